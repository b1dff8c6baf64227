"""The dataclasses that cross the matching and ring workflows' boundaries: one in, one out.

The web imports only this module (and `names`) for rings; the worker's sandbox passes it
through, so its classes are the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from domain.rings import Ring, RingPolicy


@dataclass(frozen=True)
class MatchRun:
    listing_id: int | None = None  # None: a full recompute; else the listing just published
    ring_policy: RingPolicy = field(default_factory=RingPolicy)
    # For ring detection: the rings a full recompute found in the matches it stored, best
    # first, as BarterRing.numbers; None: read the stored barter matches.
    found_rings: tuple[tuple[int, ...], ...] | None = None


@dataclass(frozen=True)
class MatchSummary:
    listings: int
    matches: int
    # A full recompute's barter rings (domain.barter_rings.find_rings over its result, as
    # BarterRing.numbers), so ring detection need not read back the matches just written;
    # None: not looked for (one new listing's run, or too many to carry in the history).
    rings: tuple[tuple[int, ...], ...] | None = None


def ring_detection_run(run: MatchRun, summary: MatchSummary) -> MatchRun:
    """What ring detection is asked, after the matching step that gave `summary`. A history
    recorded before summaries carried rings gives the run unchanged, so it replays."""
    return run if summary.rings is None else replace(run, found_rings=summary.rings)


@dataclass(frozen=True)
class RingProposals:
    rings: tuple[Ring, ...] = ()


@dataclass(frozen=True)
class MatchRunResult:
    matches: int
    rings_proposed: tuple[str, ...]


@dataclass(frozen=True)
class RingInput:
    ring: Ring


@dataclass(frozen=True)
class RingAnswer:
    business_id: int
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class RingReply:
    ring_key: str
    status: str
    accepted_by: tuple[int, ...]
    summary: str


@dataclass(frozen=True)
class RingRecord:
    """One step of a ring for its read model; `notice` (if any) goes to its three businesses."""

    ring: Ring
    version: int
    notice: str = ""


@dataclass(frozen=True)
class RingReminder:
    """A reminder of the answer deadline, to `business_ids` (those that have not answered)."""

    ring: Ring
    business_ids: tuple[int, ...]
    subject: str


@dataclass(frozen=True)
class LegReached:
    deal_id: str
    stage: str


@dataclass(frozen=True)
class RingLegCall:
    deal_id: str
    step: str  # domain.ring_legs.RING_STEPS
    reason: str = ""


@dataclass(frozen=True)
class RingResult:
    ring_key: str
    status: str
