"""A dispute over one deal: who opened it and why, where it stands, and the rule check every
action on it goes through.

A Dispute is immutable. Every action returns `DisputeOutcome(dispute, step)`, like a deal's
`Outcome`: the next state and what happened (a timeline entry, notices to the parties, alerts
to the arbitrator or the operators). Money does not move here: once the dispute is closed,
`final_ruling` is what the deal executes, and `fee_charges()` what it charges. The stages and
the table of who may do what are in domain/dispute_stages.py; opening one, in
domain/dispute_opening.py.

Standard library and the domain only; time and ids are arguments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from domain.dispute_clock import DisputeClock
from domain.dispute_decisions import Appeal, Assignment, CaseDecisions
from domain.dispute_errors import NotTheAssignedArbitrator
from domain.dispute_fees import FeeCharge
from domain.dispute_policy import DisputePolicy
from domain.dispute_stages import (
    ACTION_LABELS,
    CLOSED_STAGES,
    DISPUTE_TRANSITIONS,
    PARTY_ACTIONS,
    DisputeAction,
    DisputeActor,
    DisputeReason,
    DisputeStage,
)
from domain.dispute_steps import DisputeStep, StaffAlert, when
from domain.dispute_talks import SettlementOffer, SettlementTalks
from domain.errors import AlreadyDone, DeadlinePassed, InvalidTransition, NotADealParty, RuleViolation
from domain.evidence import Evidence, EvidenceActions
from domain.rulings import Held, Ruling
from domain.steps import Notice
from domain.terms import Role

S, A = DisputeStage, DisputeAction
STAGE_WORDS = {
    S.SETTLEMENT_TALKS: "in settlement talks", S.EVIDENCE: "collecting evidence",
    S.AWAITING_RULING: "awaiting a ruling", S.RULED: "ruled and open to appeal", S.APPEALED: "under appeal",
    S.FINAL: "decided for good", S.SETTLED: "settled", S.WITHDRAWN: "withdrawn",
}


@dataclass(frozen=True)
class DisputeOutcome:
    dispute: Dispute
    step: DisputeStep


@dataclass(frozen=True)
class Dispute(SettlementTalks, EvidenceActions, CaseDecisions, DisputeClock):
    deal_id: str
    deal_title: str
    buyer_id: int
    seller_id: int
    opened_by: int
    reason: DisputeReason
    details: str
    asked_for: str
    held: Held
    opened_at: dt.datetime
    stage: DisputeStage = DisputeStage.SETTLEMENT_TALKS
    policy: DisputePolicy = field(default_factory=DisputePolicy)
    version: int = 0
    stage_since: dt.datetime | None = None
    settlement_ends_at: dt.datetime | None = None
    evidence_ends_at: dt.datetime | None = None
    ruling_due_at: dt.datetime | None = None
    appeal_ends_at: dt.datetime | None = None
    offers: tuple[SettlementOffer, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    ruling: Ruling | None = None  # the first ruling: an arbitrator's, by default, or agreed
    ruled_by: int | None = None  # the arbitrator; None when agreed or by default
    ruled_at: dt.datetime | None = None
    appeal: Appeal | None = None
    appeal_ruling: Ruling | None = None
    alarms_done: tuple[str, ...] = ()

    # ---- who is who -------------------------------------------------------------------
    @property
    def parties(self) -> tuple[int, int]:
        return (self.buyer_id, self.seller_id)

    def role_of(self, business_id: int) -> Role | None:
        return {self.buyer_id: Role.BUYER, self.seller_id: Role.SELLER}.get(business_id)

    def other_party(self, business_id: int) -> int:
        return self.seller_id if business_id == self.buyer_id else self.buyer_id

    def side_name(self, business_id: int) -> str:
        role = self.role_of(business_id)
        return role.value if role else f"business {business_id}"

    # ---- where it stands --------------------------------------------------------------
    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES

    @property
    def final_ruling(self) -> Ruling | None:
        """What the deal executes: the agreed or final ruling, once there is no way back."""
        if self.stage is S.SETTLED:
            return self.ruling
        if self.stage is S.FINAL:
            return self.appeal_ruling or self.ruling
        return None

    @property
    def outcome(self) -> str | None:
        """How the case ended, for reputation and credit lines: `settled`, `withdrawn`, `split`,
        `lost_by_buyer` or `lost_by_seller` (whoever the final ruling charges the fee or whose
        bond it forfeits), `no_loser`; None while open."""
        if self.stage in (S.SETTLED, S.WITHDRAWN):
            return self.stage.value
        ruling = self.final_ruling
        if self.stage is not S.FINAL or ruling is None:
            return None
        losers = {c.side for c in self.policy.fee.charges(self.held, ruling)} | set(ruling.forfeited_bonds())
        if len(losers) == 1:
            return f"lost_by_{losers.pop().value}"
        return "split" if losers else "no_loser"

    def fee_charges(self) -> tuple[FeeCharge, ...]:
        """The dispute fee, once final; settling by agreement or withdrawing costs nothing."""
        ruling = self.final_ruling
        if self.stage is not S.FINAL or ruling is None:
            return ()
        return self.policy.fee.charges(self.held, ruling)

    # ---- the rule check every action goes through -------------------------------------
    def check(self, action: DisputeAction, actor_id: int | None, now: dt.datetime) -> DisputeStage:
        """Raise the rule's reason if `actor_id` may not take `action` now; else the next stage."""
        if action in PARTY_ACTIONS and actor_id not in self.parties:
            raise NotADealParty(f"only the two parties of the deal may {ACTION_LABELS[action].lower()}")
        if action is A.RULE:
            self._check_arbitrator(actor_id)
        rule = DISPUTE_TRANSITIONS.get((self.stage, action))
        if rule is None:
            raise self._refusal(action)
        actor, after = rule
        if actor is DisputeActor.OPENER and actor_id != self.opened_by:
            raise NotADealParty("only the party that opened the dispute may withdraw it")
        if actor is DisputeActor.OFFEREE:
            self._check_offeree(actor_id)
        self._check_window(action, now)
        return after

    def allowed_actions(self, business_id: int, now: dt.datetime) -> tuple[DisputeAction, ...]:
        """Exactly the actions this party may take now (what the dispute page offers)."""
        allowed = []
        for stage, action in DISPUTE_TRANSITIONS:
            if stage is self.stage and action in PARTY_ACTIONS:
                try:
                    self.check(action, business_id, now)
                except RuleViolation:
                    continue
                allowed.append(action)
        return tuple(allowed)

    def _check_arbitrator(self, arbitrator_id: int | None) -> None:
        current = self.current_assignment
        if current is not None and current.arbitrator_id == arbitrator_id:
            return
        earlier = next((a for a in reversed(self.assignments) if a.arbitrator_id == arbitrator_id), None)
        if earlier is not None:
            raise NotTheAssignedArbitrator(
                f"you were taken off this case on {when(earlier.ended_at)} ({earlier.ended_why}): "
                "you can no longer rule on it")
        raise NotTheAssignedArbitrator("only the arbitrator assigned to this case may rule on it")

    def _check_offeree(self, actor_id: int | None) -> None:
        live = self.live_offer
        if live is None:
            raise InvalidTransition("there is no settlement offer to accept")
        if live.by == actor_id:
            raise NotADealParty("you made this offer: the other side accepts it, or counters with its own")

    def _check_window(self, action: DisputeAction, now: dt.datetime) -> None:
        closes = {
            (S.SETTLEMENT_TALKS, A.OFFER_SETTLEMENT): ("settlement talks ended", self.settlement_ends_at),
            (S.SETTLEMENT_TALKS, A.ACCEPT_SETTLEMENT): ("settlement talks ended", self.settlement_ends_at),
            (S.EVIDENCE, A.SUBMIT_EVIDENCE): ("the evidence deadline passed", self.evidence_ends_at),
            (S.RULED, A.APPEAL): ("the appeal window closed", self.appeal_ends_at),
        }.get((self.stage, action))
        if closes is not None and closes[1] is not None and now >= closes[1]:
            raise DeadlinePassed(f"{closes[0]} on {when(closes[1])}")

    def _refusal(self, action: DisputeAction) -> RuleViolation:
        """The most useful reason an action has no rule in the current stage."""
        past_evidence = self.stage in (S.AWAITING_RULING, S.RULED, S.APPEALED, S.FINAL)
        if action is A.APPEAL and self.appeal is not None:
            return AlreadyDone("the ruling was already appealed once; the appeal ruling is final")
        if action is A.APPEAL and self.stage is S.FINAL:
            return DeadlinePassed(f"the appeal window closed on {when(self.appeal_ends_at)}; the ruling is final")
        if action in (A.OFFER_SETTLEMENT, A.ACCEPT_SETTLEMENT) and (past_evidence or self.stage is S.EVIDENCE):
            return DeadlinePassed(f"settlement talks ended on {when(self.settlement_ends_at)}")
        if action is A.SUBMIT_EVIDENCE and past_evidence:
            return DeadlinePassed(f"the evidence deadline passed on {when(self.evidence_ends_at)}")
        if action is A.SUBMIT_EVIDENCE and self.stage is S.SETTLEMENT_TALKS:
            return InvalidTransition(f"evidence opens when settlement talks end, on {when(self.settlement_ends_at)}")
        if action is A.RULE and self.stage is S.EVIDENCE:
            return InvalidTransition(f"the evidence window is open until {when(self.evidence_ends_at)}; "
                                     "rule once it has closed")
        return InvalidTransition(f"cannot {ACTION_LABELS[action].lower()} while the dispute is "
                                 f"{STAGE_WORDS[self.stage]}")

    # ---- building blocks for transitions ------------------------------------------------
    def _step(self, kind: str, at: dt.datetime, actor_id: int | None, summary: str, **extra) -> DisputeStep:
        return DisputeStep(seq=self.version + 1, kind=kind, at=at, actor_id=actor_id, summary=summary, **extra)

    def _advance(self, step: DisputeStep, **changes) -> DisputeOutcome:
        stage = changes.get("stage", self.stage)
        if stage is not self.stage:
            changes.setdefault("stage_since", step.at)
        return DisputeOutcome(replace(self, version=step.seq, **changes), step)

    def notice_to(self, business_id: int, kind: str, subject: str, body: str = "") -> Notice:
        return Notice(business_id, kind, f"{subject} — {self.deal_title}", body or subject)

    def notices_to_both(self, kind: str, subject: str, body: str) -> tuple[Notice, ...]:
        return tuple(self.notice_to(p, kind, subject, body) for p in self.parties)

    def _to_arbitrator(self, kind: str, subject: str, body: str) -> tuple[StaffAlert, ...]:
        current = self.current_assignment
        if current is None:
            return ()
        return (StaffAlert(kind, f"{subject} — {self.deal_title}", body, current.arbitrator_id),)

    def _to_operators(self, kind: str, subject: str, body: str) -> tuple[StaffAlert, ...]:
        return (StaffAlert(kind, f"{subject} — {self.deal_title}", body),)
