"""A proposed barter ring, from proposal to completion: who accepted, and what became of its legs.

    proposed ──all three accept──▶ funding ──every bond held──▶ running ──three deals done──▶ completed
        │ any declines: declined          └─a bond refused: failed (bonds returned, legs cancelled)
        └ deadline passes: expired                      running ──a leg ends undone──▶ broken

Each business answers once; a refused answer changes nothing. Leg i is business i's want
served by business i+1's offer: the offering business is the leg deal's seller, the wanting
business its buyer, and the seller posts a performance bond in credits.
Standard library only: time is passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.barter_rings import BarterRing
from domain.errors import AlreadyDone, DeadlinePassed, InvalidTransition, NotADealParty
from domain.money import CREDITS, Money
from domain.terms import DealTerms, Obligation, Role

LIVE = frozenset({"proposed", "funding", "running"})


class RingStatus(StrEnum):
    PROPOSED = "proposed"
    DECLINED = "declined"
    EXPIRED = "expired"
    FUNDING = "funding"
    FAILED = "failed"
    RUNNING = "running"
    COMPLETED = "completed"
    BROKEN = "broken"


@dataclass(frozen=True)
class RingPolicy:
    answer_within_s: int = 3 * 24 * 3600
    delivery_within_s: int = 30 * 24 * 3600
    bond_minor: int = 50_00  # credits each provider posts on its leg
    inspection_days: int = 7


@dataclass(frozen=True)
class RingLeg:
    want_id: int
    offer_id: int
    buyer_id: int  # the business that wants the service
    seller_id: int  # the business that offers it
    score: int
    title: str = ""
    deal_id: str = ""
    stage: str = ""  # the leg deal's stage, as the ring last heard it


@dataclass(frozen=True)
class Ring:
    key: str
    legs: tuple[RingLeg, ...]
    proposed_at: dt.datetime
    answer_by: dt.datetime
    policy: RingPolicy = RingPolicy()
    status: RingStatus = RingStatus.PROPOSED
    accepted_by: tuple[int, ...] = ()
    declined_by: int | None = None
    reason: str = ""

    @property
    def business_ids(self) -> tuple[int, ...]:
        return tuple(leg.buyer_id for leg in self.legs)

    @property
    def score(self) -> int:
        return min(leg.score for leg in self.legs)

    @property
    def is_live(self) -> bool:
        return self.status.value in LIVE

    def check_answer(self, business_id: int, now: dt.datetime) -> None:
        """Raise the reason a business may not accept or decline now."""
        if business_id not in self.business_ids:
            raise NotADealParty("only the ring's three businesses may answer it")
        if self.status is not RingStatus.PROPOSED:
            raise InvalidTransition(f"the ring is {self.status.value}; it takes no more answers")
        if now >= self.answer_by:
            raise DeadlinePassed("the time to answer this ring has passed")
        if business_id in self.accepted_by:
            raise AlreadyDone("you have already accepted this ring")

    def accept(self, business_id: int, now: dt.datetime) -> Ring:
        self.check_answer(business_id, now)
        accepted = self.accepted_by + (business_id,)
        everyone = set(accepted) == set(self.business_ids)
        return replace(self, accepted_by=accepted, status=RingStatus.FUNDING if everyone else self.status)

    def decline(self, business_id: int, now: dt.datetime, reason: str = "") -> Ring:
        self.check_answer(business_id, now)
        return replace(self, status=RingStatus.DECLINED, declined_by=business_id,
                       reason=reason.strip()[:500] or "one of the businesses declined")

    def expire(self) -> Ring:
        return replace(self, status=RingStatus.EXPIRED, reason="not every business answered in time")

    def leg_terms(self, index: int, now: dt.datetime) -> DealTerms:
        leg = self.legs[index]
        return DealTerms(
            title=leg.title or f"Barter ring service (listing {leg.offer_id})", legs=(),
            obligations=(Obligation(Role.SELLER, leg.title or "The service of the offer", ""),),
            delivery_due_at=now + dt.timedelta(seconds=self.policy.delivery_within_s),
            inspection_days=self.policy.inspection_days, listing_id=leg.offer_id,
            bond=Money(self.policy.bond_minor, CREDITS), ring_id=self.key)

    def funded(self) -> Ring:
        running = replace(self, status=RingStatus.RUNNING)
        if all(leg.stage in DONE_STAGES for leg in self.legs):  # legs that reported while the ring recorded
            return replace(running, status=RingStatus.COMPLETED)
        return running

    def failed(self, reason: str) -> Ring:
        return replace(self, status=RingStatus.FAILED, reason=reason)

    def leg_reached(self, deal_id: str, stage: str) -> Ring:
        """A leg's deal reported its stage: the ring completes when all three are done, and
        breaks when one ends without its service accepted (a ruling, a cancellation)."""
        legs = tuple(replace(leg, stage=stage) if leg.deal_id == deal_id else leg for leg in self.legs)
        ring = replace(self, legs=legs)
        if self.status is not RingStatus.RUNNING:
            return ring
        if all(leg.stage in DONE_STAGES for leg in legs):
            return replace(ring, status=RingStatus.COMPLETED)
        if stage in UNDONE_STAGES:
            return replace(ring, status=RingStatus.BROKEN, reason=f"the deal {deal_id} ended {stage}")
        return ring


DONE_STAGES = frozenset({"rating", "closed"})  # the service accepted, the bond returned
UNDONE_STAGES = frozenset({"cancelled", "declined", "expired"})


def leg_deal_id(ring_key: str, index: int) -> str:
    """Short and stable: a ring's key grows with its listing ids; a deal id is at most 64 characters."""
    return f"r{hashlib.sha256(ring_key.encode()).hexdigest()[:16]}-{index + 1}"


def ring_from(proposal: BarterRing, titles: dict[int, str], now: dt.datetime,
              policy: RingPolicy | None = None) -> Ring:
    """The ring to put to its businesses, from what matching proposed."""
    policy = policy or RingPolicy()
    legs = tuple(RingLeg(m.want_id, m.offer_id, m.want_business_id, m.offer_business_id, m.score,
                         titles.get(m.offer_id, ""), leg_deal_id(proposal.key, i))
                 for i, m in enumerate(proposal.legs))
    return Ring(proposal.key, legs, now, now + dt.timedelta(seconds=policy.answer_within_s), policy)
