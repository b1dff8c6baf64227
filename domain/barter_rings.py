"""Barter rings: three businesses each serving the next, where no two could swap directly.

    A wants what B offers, B wants what C offers, C wants what A offers
    A ──wants from──▶ B ──wants from──▶ C ──wants from──▶ A

Only barter matches count (the want and the offer both open to barter): in a ring nobody
pays, each business delivers one service and receives another. A ring is found once, however
it is walked, and named from its smallest business id. Its score is its weakest link: a ring
is only as likely to be accepted as its least attractive leg.

`propose` picks rings to put to the businesses, best first, using each listing in one ring at
most: a want promised to two rings could only be honoured in one.
Standard library only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from domain.matching import BIT, MarketListing, Match, PaymentModel


@dataclass(frozen=True, order=True)
class BarterRing:
    """`legs[i]` is business i's want matched to business i+1's offer (the last wraps round)."""

    score: int
    legs: tuple[Match, ...]

    @property
    def business_ids(self) -> tuple[int, ...]:
        return tuple(leg.want_business_id for leg in self.legs)

    @property
    def listing_ids(self) -> frozenset[int]:
        return frozenset(id_ for leg in self.legs for id_ in (leg.want_id, leg.offer_id))

    @property
    def key(self) -> str:
        """Stable name of the ring (its listings in ring order): the ring workflow's id."""
        return "ring-" + "-".join(f"{leg.want_id}.{leg.offer_id}" for leg in self.legs)

    @property
    def numbers(self) -> tuple[int, ...]:
        """The ring as plain numbers (each leg's fields in Match's order), to pass between
        activities through a workflow's history: a payload converter reads nested dataclasses
        about ten times slower than a tuple of numbers."""
        return tuple(n for leg in self.legs for n in (leg.score, leg.want_id, leg.offer_id, leg.want_business_id,
                                                      leg.offer_business_id, *leg.parts))

    @classmethod
    def from_numbers(cls, numbers: tuple[int, ...]) -> BarterRing:
        legs = tuple(Match(*numbers[i:i + 5], tuple(numbers[i + 5:i + 10])) for i in range(0, len(numbers), 10))
        return cls(min(leg.score for leg in legs), legs)


def find_rings(matches: Iterable[Match], listings: dict[int, MarketListing]) -> list[BarterRing]:
    """Every three-business ring the barter matches make, best first."""
    best: dict[tuple[int, int], Match] = {}  # (wanting business, offering business) -> best leg
    barter = BIT[PaymentModel.BARTER]  # the bit, not `payment_models`: a full recompute's 50,000 matches pass here
    for match in matches:
        if (match.want_business_id == match.offer_business_id
                or not listings[match.want_id].ways & listings[match.offer_id].ways & barter):
            continue
        edge = (match.want_business_id, match.offer_business_id)
        if edge not in best or match > best[edge]:
            best[edge] = match
    serves: dict[int, set[int]] = defaultdict(set)
    for a, b in best:
        serves[a].add(b)
    rings = []
    for a in sorted(serves):
        for b in serves[a]:
            for c in serves.get(b, ()):
                # Walked from its smallest business only, so each ring is found once.
                if a < b and a < c and b != c and a in serves.get(c, ()):
                    legs = (best[(a, b)], best[(b, c)], best[(c, a)])
                    rings.append(BarterRing(min(leg.score for leg in legs), legs))
    return sorted(rings, reverse=True)


def propose(rings: Iterable[BarterRing]) -> list[BarterRing]:
    """The rings to propose, best first, no listing in two of them."""
    used: set[int] = set()
    chosen = []
    for ring in sorted(rings, reverse=True):
        if not ring.listing_ids & used:
            chosen.append(ring)
            used |= ring.listing_ids
    return chosen
