"""Choosing the arbitrator for a case: nobody with a conflict, the least loaded, then by lot.

A conflict is a past deal with either party, or a staff member shared with either party
(arbitrators are people; a business they work for, or worked with, is never theirs to judge).
Among those without a conflict the ones with the fewest open cases are preferred, and a tie is
broken at random. The random choice comes from the caller — a `random.Random` (a workflow
passes `workflow.random()`) or an int seed — so the same inputs always give the same choice,
as a workflow replay requires; candidates are ordered by id first so the order in which they
were listed does not matter either. Every choice comes with the reason, in words, recorded on
the case. An appeal goes to a senior arbitrator who did not work on the first ruling.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from domain.dispute_errors import NoArbitratorAvailable


@dataclass(frozen=True)
class Arbitrator:
    arbitrator_id: int
    name: str
    open_cases: int = 0
    is_senior: bool = False
    past_deals_with: tuple[int, ...] = ()  # businesses this arbitrator traded with on the platform
    shares_staff_with: tuple[int, ...] = ()  # businesses where one of its people also works


@dataclass(frozen=True)
class Party:
    business_id: int
    name: str


@dataclass(frozen=True)
class ArbitratorChoice:
    arbitrator: Arbitrator
    reason: str
    for_appeal: bool = False


def conflicts(arbitrator: Arbitrator, parties: Iterable[Party]) -> tuple[str, ...]:
    """Why `arbitrator` may not judge a case between `parties`, in words (empty: no conflict)."""
    found = []
    for party in parties:
        if party.business_id in arbitrator.past_deals_with:
            found.append(f"past deal with {party.name}")
        if party.business_id in arbitrator.shares_staff_with:
            found.append(f"shares a staff member with {party.name}")
    return tuple(found)


def choose_arbitrator(arbitrators: Iterable[Arbitrator], parties: tuple[Party, Party],
                      rng: random.Random | int, not_again: Iterable[int] = ()) -> ArbitratorChoice:
    """The arbitrator for a first ruling; `not_again` are those already taken off this case."""
    return _choose(arbitrators, parties, rng, _previous(not_again, "taken off this case before"), False)


def choose_appeal_arbitrator(arbitrators: Iterable[Arbitrator], parties: tuple[Party, Party],
                             rng: random.Random | int, first_round: Iterable[int],
                             not_again: Iterable[int] = ()) -> ArbitratorChoice:
    """A senior arbitrator for the appeal, other than anyone who worked on the first round
    (`first_round`: the first ruling's arbitrator, and any taken off the case before it)."""
    excluded = _previous(not_again, "taken off this appeal before")
    excluded.update(_previous(first_round, "worked on the first ruling"))
    return _choose(arbitrators, parties, rng, excluded, True)


def _previous(ids: Iterable[int], why: str) -> dict[int, str]:
    return dict.fromkeys(ids, why)


def _choose(arbitrators: Iterable[Arbitrator], parties: tuple[Party, Party], rng: random.Random | int,
            excluded: dict[int, str], for_appeal: bool) -> ArbitratorChoice:
    eligible: list[Arbitrator] = []
    refused: list[str] = []
    for arbitrator in sorted(arbitrators, key=lambda a: a.arbitrator_id):
        why = list(conflicts(arbitrator, parties))
        if arbitrator.arbitrator_id in excluded:
            why.insert(0, excluded[arbitrator.arbitrator_id])
        if for_appeal and not arbitrator.is_senior:
            why.insert(0, "not senior")
        if why:
            refused.append(f"{arbitrator.name} ({'; '.join(why)})")
        else:
            eligible.append(arbitrator)
    kind = "senior arbitrator" if for_appeal else "arbitrator"
    if not eligible:
        detail = f": {', '.join(refused)}" if refused else ""
        raise NoArbitratorAvailable(f"no {kind} without a conflict is available{detail}")
    lowest = min(a.open_cases for a in eligible)
    least_loaded = [a for a in eligible if a.open_cases == lowest]
    chooser = rng if isinstance(rng, random.Random) else random.Random(rng)
    chosen = chooser.choice(least_loaded)
    reason = _reason(chosen, kind, len(eligible), len(least_loaded), refused)
    return ArbitratorChoice(chosen, reason, for_appeal)


def _reason(chosen: Arbitrator, kind: str, eligible: int, tied: int, refused: list[str]) -> str:
    cases = f"{chosen.open_cases} open case{'' if chosen.open_cases == 1 else 's'}"
    if eligible == 1:
        reason = f"{chosen.name} ({cases}): the only {kind} without a conflict"
    else:
        reason = f"{chosen.name} ({cases}): least loaded of {eligible} {kind}s without conflicts"
    if tied > 1:
        reason += f", drawn by lot among {tied} equally loaded"
    if refused:
        reason += f"; excluded: {', '.join(refused)}"
    return reason
