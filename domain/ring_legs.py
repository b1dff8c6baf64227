"""A barter ring's legs as deals: each one business serving the next, nobody paying.

A leg is a barter deal with one service (the seller's) and the seller's performance bond in
credits. It is never offered or accepted on its own: the ring opens it already agreed, in
`funding`, holds each leg's bond, and only once all three are held starts them together; if
any bond cannot be held, the ring cancels every leg, which returns the bonds already held.
So a leg's funding and its start are the ring's steps, not its parties' actions.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from domain.barter import opening_handovers
from domain.errors import InvalidInput, InvalidTransition, NotADealParty
from domain.fees import FeeRule
from domain.ledger import LedgerBatch
from domain.settlement import fund_bond
from domain.stages import Stage
from domain.terms import DealTerms, Role, TermBounds
from domain.timers import TimerPolicy

if TYPE_CHECKING:
    from domain.deal import Deal, Outcome


def start_ring_leg(deal_id: str, buyer_id: int, seller_id: int, terms: DealTerms, now: dt.datetime,
                   policy: TimerPolicy | None = None, fee_rule: FeeRule | None = None) -> Outcome:
    """A ring's leg, agreed by the ring's acceptance and waiting for the ring to fund it."""
    from domain.deal import Deal

    if not terms.ring_id:
        raise InvalidInput("a ring's leg names its ring", field="ring_id")
    if buyer_id == seller_id:
        raise NotADealParty("a business cannot make a deal with itself")
    terms.validate(now, TermBounds())
    policy = policy or TimerPolicy()
    deal = Deal(
        deal_id=deal_id, buyer_id=buyer_id, seller_id=seller_id, terms=terms, stage=Stage.FUNDING,
        offered_by=seller_id, offered_at=now, created_at=now, policy=policy, fee_rule=fee_rule or FeeRule(),
        stage_since=now, funding_due_at=now + policy.funding_deadline, handovers=opening_handovers(ring_leg=True),
    )
    summary = f"Barter ring leg agreed: {terms.title}"
    step = deal._step("ring_leg_opened", now, None, summary, notices=tuple(
        deal.notice_to(party, "ring", "Barter ring deal opened", summary + ". The ring funds its deals together.")
        for party in deal.parties))
    return deal._advance(step)


RING_STEPS = ("fund", "start", "cancel")


class RingLegActions:
    """Mixed into `Deal`: the steps only the deal's ring takes."""

    def ring_step(self: Deal, step: str, now: dt.datetime, reason: str = "") -> Outcome | None:
        """The ring's `step` on this leg; None when it was already taken (the ring's call was
        retried), so asking twice is safe."""
        if step == "fund" and Role.SELLER in self.bonds_posted:
            return None
        if step == "start" and self.stage is not Stage.FUNDING and self.bonds_posted:
            return None
        if step == "cancel" and self.is_final:
            return None
        if step == "fund":
            return self.ring_fund(now)
        if step == "start":
            return self.ring_start(now)
        if step == "cancel":
            return self.ring_cancel(now, reason or "not every deal of the ring could be funded")
        raise InvalidInput(f"unknown ring step {step!r}", field="step")

    def ring_fund(self: Deal, now: dt.datetime) -> Outcome:
        """Hold the seller's performance bond; the leg waits for the others before it starts."""
        self._check_ring_step(Stage.FUNDING)
        if Role.SELLER in self.bonds_posted or self.terms.bond is None:
            raise InvalidTransition("this leg's bond is already held")
        batch: LedgerBatch = fund_bond(self, Role.SELLER)
        step = self._step("funded", now, self.seller_id, f"A bond of {self.terms.bond} held in escrow", ledger=batch)
        return self._advance(step, bonds_posted=(Role.SELLER,))

    def ring_start(self: Deal, now: dt.datetime) -> Outcome:
        self._check_ring_step(Stage.FUNDING)
        if self.terms.bonded_sides - set(self.bonds_posted):
            raise InvalidTransition("a leg starts only once its bond is held")
        summary = "Every deal of the ring is funded: the work can start"
        step = self._step("ring_started", now, None, summary, notices=(
            self.notice_to(self.seller_id, "funded", "Ring funded — please deliver",
                           f"Deliver by {self.terms.delivery_due_at:%Y-%m-%d}."),))
        return self._advance(step, stage=Stage.IN_DELIVERY)

    def ring_cancel(self: Deal, now: dt.datetime, reason: str) -> Outcome:
        """The ring could not fund all its legs: this one is cancelled and its bond returned."""
        self._check_ring_step(Stage.FUNDING)
        return self._cancelled(now, None, f"Barter ring cancelled: {reason}", Stage.CANCELLED)

    def _check_ring_step(self: Deal, stage: Stage) -> None:
        if not self.terms.ring_id:
            raise InvalidTransition("only a barter ring's deals are funded by their ring")
        if self.stage is not stage:
            raise InvalidTransition(f"the ring's deal is already {self.stage.value.replace('_', ' ')}")
