"""What the dispute pages show: the case as read from the read model, and — for a party — the
actions it may take now (exactly the domain's `allowed_actions`), or — for the arbitrator —
whether the ruling form is theirs to use. Also the panel the deal page shows about disputes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from domain.deal import Deal
from domain.dispute_opening import check_dispute_window
from domain.dispute_stages import (
    ACTION_LABELS,
    REASON_LABELS,
    RULING_STAGES,
    DisputeAction,
    DisputeReason,
    DisputeStage,
)
from domain.disputes import Dispute
from domain.errors import RuleViolation
from domain.rulings import Held
from domain.terms import Role
from integrations.db.dispute_models import DisputeEvent
from integrations.db.queries import DealView, dispute_pages
from integrations.db.queries.disputes import dispute_timeline

STAGE_LABELS = {
    DisputeStage.SETTLEMENT_TALKS: "Settlement talks",
    DisputeStage.EVIDENCE: "Evidence",
    DisputeStage.AWAITING_RULING: "Awaiting the arbitrator's ruling",
    DisputeStage.RULED: "Ruled, open to appeal",
    DisputeStage.APPEALED: "Under appeal",
    DisputeStage.FINAL: "Decided (final)",
    DisputeStage.SETTLED: "Settled by agreement",
    DisputeStage.WITHDRAWN: "Withdrawn",
}


def stage_label(stage: str) -> str:
    try:
        return STAGE_LABELS[DisputeStage(stage)]
    except ValueError:
        return stage.replace("_", " ").capitalize()


def reason_label(reason: str) -> str:
    try:
        return REASON_LABELS[DisputeReason(reason)]
    except ValueError:
        return reason


def action_label(action: str) -> str:
    return ACTION_LABELS[DisputeAction(action)]


@dataclass(frozen=True)
class RulingView:
    kind: str  # first, appeal or agreed
    by: str | None  # the arbitrator's name; None when agreed or by default
    description: str
    reasons: str


@dataclass(frozen=True)
class CasePage:
    dispute: Dispute
    deal: DealView  # the parties' names, the terms and the deal's own timeline
    timeline: list[DisputeEvent]
    viewer_business_id: int | None = None
    actions: tuple[DisputeAction, ...] = ()
    may_rule: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def held(self) -> Held:
        return self.dispute.held

    @property
    def role(self) -> Role | None:
        return self.dispute.role_of(self.viewer_business_id) if self.viewer_business_id else None

    @property
    def deadlines(self) -> list[tuple[str, dt.datetime]]:
        return sorted(self.dispute.deadlines().items(), key=lambda item: item[1])

    def side_name(self, business_id: int) -> str:
        if business_id == self.viewer_business_id:
            return "You"
        role = self.dispute.role_of(business_id)
        return f"{self.deal.name_of(business_id)} ({role.value if role else '?'})"

    def payer_of(self, currency: str) -> str:
        return self.held.leg(currency).payer.value

    def payee_of(self, currency: str) -> str:
        return (Role.SELLER if self.held.leg(currency).payer is Role.BUYER else Role.BUYER).value

    @property
    def live_offer(self):
        return self.dispute.live_offer

    @property
    def rulings(self) -> list[RulingView]:
        d, found = self.dispute, []
        names = {a.arbitrator_id: a.name for a in d.assignments}
        if d.ruling is not None:
            kind = "agreed" if d.stage is DisputeStage.SETTLED else "first"
            found.append(RulingView(kind, names.get(d.ruled_by), d.ruling.describe(d.held), d.ruling.reasons))
        if d.appeal_ruling is not None:
            senior = next((a.name for a in reversed(d.assignments) if a.for_appeal and a.ended_why == "ruled"), None)
            found.append(RulingView("appeal", senior, d.appeal_ruling.describe(d.held), d.appeal_ruling.reasons))
        return found

    @property
    def inline_fields(self) -> list[str]:
        """Fields whose errors the forms show beside them (the summary names the rest)."""
        legs = [f"{c}_{name}" for c in self.held.currencies
                for name in ("decision", "refund_percent", "to_payee", "to_payer")]
        return ["reasons", "statement", "files", *legs, *(f"bond_{s.value}" for s in self.held.bonds_posted)]


def case_page(session: Session, dispute: Dispute, deal: DealView, **extra: Any) -> CasePage:
    return CasePage(dispute, deal, dispute_timeline(session, dispute.deal_id), **extra)


def party_page(session: Session, dispute: Dispute, deal: DealView, business_id: int, now: dt.datetime,
               **form: Any) -> CasePage:
    return case_page(session, dispute, deal, viewer_business_id=business_id,
                     actions=dispute.allowed_actions(business_id, now), **form)


def desk_page(session: Session, dispute: Dispute, deal: DealView, user_id: int, **form: Any) -> CasePage:
    current = dispute.current_assignment
    may_rule = dispute.stage in RULING_STAGES and current is not None and current.arbitrator_id == user_id
    return case_page(session, dispute, deal, may_rule=may_rule, **form)


@dataclass(frozen=True)
class DealDisputePanel:
    """The deal page's dispute section: the dispute's stage and link, or the form to open one."""

    stage: str | None
    can_open: bool
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def reasons(self) -> list[tuple[str, str]]:
        return [(r.value, label) for r, label in REASON_LABELS.items()]


def deal_dispute_panel(session: Session, deal: Deal, business_id: int, now: dt.datetime,
                       values: dict[str, Any] | None = None,
                       errors: dict[str, list[str]] | None = None) -> DealDisputePanel:
    stage = dispute_pages.dispute_stage(session, deal.deal_id)
    can_open = False
    if stage is None and business_id in deal.parties:
        try:
            check_dispute_window(deal, now)
            can_open = True
        except RuleViolation:
            can_open = False
    return DealDisputePanel(stage, can_open, values or {}, errors or {})
