"""The deal state machine: one transition table, and a Deal whose methods apply it.

A Deal is immutable. Every transition returns `Outcome(deal, step)`: the next state and what
happened (timeline entry, ledger changes, notices). Callers persist the step first and adopt
the new state only once that succeeded, so a refused ledger change leaves the deal untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from domain.barter import BarterActions, Handover, opening_handovers
from domain.cash import CashReceipt
from domain.deal_actions import DealActions
from domain.deal_clock import DealClock
from domain.deal_disputes import DealDisputes
from domain.dispute_fees import FeeCharge
from domain.errors import AlreadyDone, DeadlinePassed, InvalidTransition, NotADealParty
from domain.fees import FeeRule
from domain.reviews import Review
from domain.ring_legs import RingLegActions
from domain.stages import ACTION_LABELS, BARTER_TRANSITIONS, FINAL_STAGES, TRANSITIONS, Action, Actor, Stage
from domain.steps import Notice, Step
from domain.terms import DealTerms, ExchangeModel, Role, TermBounds
from domain.timers import TimerPolicy


@dataclass(frozen=True)
class Outcome:
    deal: Deal
    step: Step


@dataclass(frozen=True)
class Deal(DealActions, BarterActions, DealClock, DealDisputes, RingLegActions):
    deal_id: str
    buyer_id: int
    seller_id: int
    terms: DealTerms
    stage: Stage
    offered_by: int
    offered_at: dt.datetime
    created_at: dt.datetime
    policy: TimerPolicy = field(default_factory=TimerPolicy)
    fee_rule: FeeRule = field(default_factory=FeeRule)
    version: int = 0
    stage_since: dt.datetime | None = None
    funding_due_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    inspection_ends_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    rating_ends_at: dt.datetime | None = None
    funded_currencies: tuple[str, ...] = ()
    bonds_posted: tuple[Role, ...] = ()  # barter: the sides whose performance bond is held
    handovers: tuple[Handover, ...] = ()  # barter: each side's delivery and its inspection
    cash_receipts: tuple[CashReceipt, ...] = ()
    change_requests: int = 0
    reviews: tuple[Review, ...] = ()
    reviews_revealed: bool = False
    alarms_done: tuple[str, ...] = ()
    disputed_from: Stage | None = None  # the stage a running dispute interrupted
    disputed_at: dt.datetime | None = None
    fees_due: tuple[FeeCharge, ...] = ()  # dispute fees to charge to credit accounts after a ruling

    # ---- who is who -------------------------------------------------------------------
    def role_of(self, business_id: int) -> Role | None:
        if business_id == self.buyer_id:
            return Role.BUYER
        if business_id == self.seller_id:
            return Role.SELLER
        return None

    def other_party(self, business_id: int) -> int:
        return self.seller_id if business_id == self.buyer_id else self.buyer_id

    @property
    def parties(self) -> tuple[int, int]:
        return (self.buyer_id, self.seller_id)

    @property
    def is_barter(self) -> bool:
        return self.terms.model is ExchangeModel.BARTER

    @property
    def transitions(self) -> dict[tuple[Stage, Action], tuple[Actor, Stage]]:
        return BARTER_TRANSITIONS if self.is_barter else TRANSITIONS

    @property
    def is_final(self) -> bool:
        return self.stage in FINAL_STAGES

    @property
    def offer_expires_at(self) -> dt.datetime:
        return self.offered_at + self.policy.offer_expiry

    def _may_act(self, actor: Actor, business_id: int) -> bool:
        return {
            Actor.OFFEREE: business_id in self.parties and business_id != self.offered_by,
            Actor.OFFEROR: business_id == self.offered_by,
            Actor.BUYER: business_id == self.buyer_id,
            Actor.SELLER: business_id == self.seller_id,
            Actor.EITHER: business_id in self.parties,
        }[actor]

    # ---- the rule check every action goes through -------------------------------------
    def check(self, action: Action, business_id: int, now: dt.datetime) -> Stage:
        """Raise the rule's reason if `business_id` may not take `action` now; else the next stage."""
        if business_id not in self.parties:
            raise NotADealParty("only the two parties of a deal may act on it")
        rule = self.transitions.get((self.stage, action))
        if rule is None:
            raise InvalidTransition(
                f"cannot {ACTION_LABELS[action].lower()} while the deal is {self.stage.value.replace('_', ' ')}"
            )
        actor, after = rule
        if not self._may_act(actor, business_id):
            raise NotADealParty(f"only {actor.value} may {ACTION_LABELS[action].lower()} now")
        self._check_window(action, business_id, now)
        if action is Action.FUND and not (self.credits_owed(business_id) or self.cash_owed(business_id)):
            raise AlreadyDone("you have nothing (left) to pay into escrow; the other side has yet to pay")
        if self.is_barter:
            self._check_barter_turn(action, business_id)
        return after

    def _check_window(self, action: Action, business_id: int, now: dt.datetime) -> None:
        if self.stage is Stage.PROPOSED and now >= self.offer_expires_at:
            raise DeadlinePassed("the offer has expired")
        if self.stage is Stage.FUNDING and self.funding_due_at and now >= self.funding_due_at:
            raise DeadlinePassed("the funding deadline has passed")
        if self.stage is Stage.INSPECTION and self.inspection_ends_at and now >= self.inspection_ends_at:
            raise DeadlinePassed("the inspection window has closed")
        if (
            action is Action.CANCEL
            and self.stage is Stage.IN_DELIVERY
            and (business_id == self.buyer_id or self.is_barter)
            and now < self.terms.delivery_due_at
        ):
            who = "either side" if self.is_barter else "the buyer"
            raise DeadlinePassed(f"{who} may cancel a funded deal only once the delivery date has passed")
        if self.stage is Stage.RATING and self.rating_ends_at and now >= self.rating_ends_at:
            raise DeadlinePassed("the rating window has closed")

    def allowed_actions(self, business_id: int, now: dt.datetime) -> tuple[Action, ...]:
        """Exactly the actions this party may take now (what the deal page offers)."""
        allowed = []
        for (stage, action), _rule in self.transitions.items():
            if stage is not self.stage:
                continue
            try:
                self.check(action, business_id, now)
            except (NotADealParty, InvalidTransition, DeadlinePassed, AlreadyDone):
                continue
            if action is Action.REVIEW and any(r.author_id == business_id for r in self.reviews):
                continue
            allowed.append(action)
        return tuple(allowed)

    # ---- building blocks for transitions ------------------------------------------------
    def _step(self, kind: str, at: dt.datetime, actor_id: int | None, summary: str, **extra) -> Step:
        return Step(seq=self.version + 1, kind=kind, at=at, actor_id=actor_id, summary=summary, **extra)

    def _advance(self, step: Step, **changes) -> Outcome:
        stage = changes.get("stage", self.stage)
        if stage is not self.stage:
            changes.setdefault("stage_since", step.at)
        return Outcome(replace(self, version=step.seq, **changes), step)

    def notice_to(self, business_id: int, kind: str, subject: str, body: str = "") -> Notice:
        return Notice(business_id, kind, f"{subject} — {self.terms.title}", body or subject)

    def deadlines(self) -> dict[str, dt.datetime]:
        """The deadlines that matter in the current stage, for the deal page."""
        named = self.stage_deadlines()
        if self.is_barter:
            named = {**named, **self.handover_deadlines()}
        return named

    def stage_deadlines(self) -> dict[str, dt.datetime]:
        named = {
            Stage.PROPOSED: {"offer expires": self.offer_expires_at},
            Stage.FUNDING: {"funding deadline": self.funding_due_at},
            Stage.IN_DELIVERY: {"delivery due": self.terms.delivery_due_at},
            Stage.INSPECTION: {"inspection window ends": self.inspection_ends_at},
            Stage.RATING: {"rating window ends": self.rating_ends_at},
        }.get(self.stage, {})
        return {name: at for name, at in named.items() if at is not None}


def start_deal(
    deal_id: str,
    buyer_id: int,
    seller_id: int,
    proposer_id: int,
    terms: DealTerms,
    now: dt.datetime,
    policy: TimerPolicy | None = None,
    fee_rule: FeeRule | None = None,
    bounds: TermBounds | None = None,
) -> Outcome:
    """A new deal in `proposed`, offered by one party to the other."""
    if buyer_id == seller_id:
        raise NotADealParty("a business cannot make a deal with itself")
    if proposer_id not in (buyer_id, seller_id):
        raise NotADealParty("only one of the two parties may propose a deal")
    terms.validate(now, bounds or TermBounds())
    fee_rule = fee_rule or FeeRule()
    fee_rule.check_payee_receives_something(terms.price)
    deal = Deal(
        deal_id=deal_id, buyer_id=buyer_id, seller_id=seller_id, terms=terms,
        stage=Stage.PROPOSED, offered_by=proposer_id, offered_at=now, created_at=now,
        policy=policy or TimerPolicy(), fee_rule=fee_rule, stage_since=now,
        handovers=opening_handovers() if terms.model is ExchangeModel.BARTER else (),
    )
    price = " + ".join(str(m) for m in terms.price)
    other = deal.other_party(proposer_id)
    step = deal._step(
        "offer_made", now, proposer_id, f"Offer made: {terms.title} for {price}",
        notices=(deal.notice_to(other, "offer", "New offer", f"You received an offer for {price}."),),
    )
    return deal._advance(step)
