"""Writes of the dispute read model: one dispute step, applied in the caller's transaction, and
the arbitrator pool a case is assigned from.

Called only by the dispute-step activity. The timeline row keyed by (deal, seq) is claimed
first, so a retried step finds its own earlier write and changes nothing; the case records
(offers, evidence, assignments, rulings) are upserted from the dispute's whole state, so they
always say what the workflow holds.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from temporalio.converter import DataConverter, value_to_type

from domain.arbitration import Arbitrator, Party
from domain.dispute_stages import CLOSED_STAGES, DisputeStage
from domain.dispute_steps import DisputeStep
from domain.disputes import Dispute
from domain.rulings import Ruling
from integrations.db.app_models import Business, DealRow, Notification, User
from integrations.db.dispute_models import Arbitrator as ArbitratorRow
from integrations.db.dispute_models import (
    AssignmentRow,
    DisputeEvent,
    DisputeRow,
    EvidenceRow,
    RulingRow,
    SettlementOfferRow,
    StaffAlertRow,
)

_converter = DataConverter.default.payload_converter


def to_json(value: Any) -> Any:
    """A domain value as JSON, with the converter Temporal uses (one encoding everywhere)."""
    return json.loads(_converter.to_payloads([value])[0].data)


def dispute_from_json(state: dict[str, Any]) -> Dispute:
    return value_to_type(Dispute, state)


def ruling_from_json(state: dict[str, Any]) -> Ruling:
    return value_to_type(Ruling, state)


def save_dispute(session: Session, dispute: Dispute, at: dt.datetime) -> None:
    current = dispute.current_assignment
    values = dict(
        buyer_id=dispute.buyer_id, seller_id=dispute.seller_id, opened_by=dispute.opened_by,
        reason=dispute.reason.value, stage=dispute.stage.value, version=dispute.version,
        arbitrator_id=current.arbitrator_id if current else None,
        next_deadline_at=min(dispute.deadlines().values(), default=None), updated_at=at,
        closed_at=at if dispute.is_closed else None, outcome=dispute.outcome, state=to_json(dispute),
    )
    statement = insert(DisputeRow).values(deal_id=dispute.deal_id, opened_at=dispute.opened_at, **values)
    # Only a newer version may overwrite the row: a retried older step must never roll it back.
    session.execute(statement.on_conflict_do_update(
        index_elements=[DisputeRow.deal_id], set_=values, where=DisputeRow.version < dispute.version))


def claim_dispute_step(session: Session, dispute: Dispute, step: DisputeStep) -> bool:
    """Record the dispute and its timeline entry; False if this step was recorded before."""
    save_dispute(session, dispute, step.at)
    claimed = session.execute(
        insert(DisputeEvent).values(deal_id=dispute.deal_id, seq=step.seq, kind=step.kind,
                                    actor_id=step.actor_id, summary=step.summary, at=step.at)
        .on_conflict_do_nothing(index_elements=[DisputeEvent.deal_id, DisputeEvent.seq])
        .returning(DisputeEvent.id)
    ).first()
    return claimed is not None


def save_case_records(session: Session, dispute: Dispute) -> None:
    held, key = dispute.held, dispute.deal_id
    for offer in dispute.offers:
        session.execute(insert(SettlementOfferRow).values(
            deal_id=key, number=offer.number, by_business_id=offer.by, at=offer.at,
            description=offer.ruling.describe(held), message=offer.ruling.reasons, ruling=to_json(offer.ruling),
        ).on_conflict_do_nothing(index_elements=["deal_id", "number"]))
    for position, evidence in enumerate(dispute.evidence, start=1):
        session.execute(insert(EvidenceRow).values(
            deal_id=key, position=position, submitted_by=evidence.submitted_by, at=evidence.at,
            statement=evidence.statement, files=to_json(evidence.files),
        ).on_conflict_do_nothing(index_elements=["deal_id", "position"]))
    for position, a in enumerate(dispute.assignments, start=1):
        values = dict(ended_at=a.ended_at, ended_why=a.ended_why)
        session.execute(insert(AssignmentRow).values(
            deal_id=key, position=position, arbitrator_id=a.arbitrator_id, name=a.name, is_senior=a.is_senior,
            for_appeal=a.for_appeal, at=a.at, reason=a.reason, **values,
        ).on_conflict_do_update(index_elements=["deal_id", "position"], set_=values))
    first_kind = "agreed" if dispute.stage is DisputeStage.SETTLED else "first"
    for kind, ruling, by in ((first_kind, dispute.ruling, dispute.ruled_by),
                             ("appeal", dispute.appeal_ruling, _appeal_arbitrator(dispute))):
        if ruling is None:
            continue
        at = dispute.ruled_at if kind != "appeal" else dispute.stage_since
        session.execute(insert(RulingRow).values(
            deal_id=key, kind=kind, arbitrator_id=by, at=at, description=ruling.describe(held),
            reasons=ruling.reasons, ruling=to_json(ruling),
        ).on_conflict_do_nothing(index_elements=["deal_id", "kind"]))


def _appeal_arbitrator(dispute: Dispute) -> int | None:
    ruled = [a for a in dispute.assignments if a.for_appeal and a.ended_why == "ruled"]
    return ruled[-1].arbitrator_id if ruled else None


def add_dispute_notices(session: Session, dispute: Dispute, step: DisputeStep) -> None:
    """Notices to the parties go to their inbox (and the mail outbox); alerts to staff."""
    for index, notice in enumerate(step.notices):
        session.execute(insert(Notification).values(
            business_id=notice.business_id, deal_id=dispute.deal_id,
            dedupe_key=f"dispute:{dispute.deal_id}:{step.seq}:{index}", kind=notice.kind,
            subject=notice.subject, body=notice.body, created_at=step.at, email_status="pending",
        ).on_conflict_do_nothing(index_elements=[Notification.dedupe_key]))
    for index, alert in enumerate(step.alerts):
        session.execute(insert(StaffAlertRow).values(
            deal_id=dispute.deal_id, dedupe_key=f"dispute:{dispute.deal_id}:{step.seq}:alert:{index}",
            user_id=alert.arbitrator_id, kind=alert.kind, subject=alert.subject, body=alert.body,
            created_at=step.at,
        ).on_conflict_do_nothing(index_elements=[StaffAlertRow.dedupe_key]))


# ---- the arbitrator pool ----------------------------------------------------------------------
def arbitrator_pool(session: Session, buyer_id: int, seller_id: int) -> tuple[tuple[Arbitrator, ...],
                                                                               tuple[Party, Party]]:
    """Every active arbitrator with its open cases and its conflicts with these two parties.

    A login with the arbitrator role and no profile row counts as an active, non-senior one.
    """
    parties = (buyer_id, seller_id)
    names = dict(session.execute(select(Business.id, Business.name).where(Business.id.in_(parties))).all())
    open_cases = dict(session.execute(
        select(DisputeRow.arbitrator_id, func.count()).where(
            DisputeRow.arbitrator_id.is_not(None), DisputeRow.stage.not_in([s.value for s in CLOSED_STAGES]))
        .group_by(DisputeRow.arbitrator_id)).all())
    rows = session.execute(
        select(User.id, User.display_name, User.business_id, ArbitratorRow.is_senior, ArbitratorRow.active,
               ArbitratorRow.business_id)
        .outerjoin(ArbitratorRow, ArbitratorRow.user_id == User.id)
        .where(User.role == "arbitrator").order_by(User.id)).all()
    pool = []
    for user_id, name, own_business, is_senior, active, works_for in rows:
        if active is False:
            continue
        businesses = {b for b in (own_business, works_for) if b is not None}
        pool.append(Arbitrator(
            user_id, name, open_cases.get(user_id, 0), bool(is_senior),
            past_deals_with=_traded_with(session, businesses, parties),
            shares_staff_with=tuple(p for p in parties if p in businesses)))
    return tuple(pool), (Party(buyer_id, names.get(buyer_id, "the buyer")),
                         Party(seller_id, names.get(seller_id, "the seller")))


def _traded_with(session: Session, businesses: set[int], parties: tuple[int, int]) -> tuple[int, ...]:
    if not businesses:
        return ()
    found = set()
    for party in parties:
        dealt = session.scalar(select(func.count()).select_from(DealRow).where(or_(
            DealRow.buyer_id.in_(businesses) & (DealRow.seller_id == party),
            DealRow.seller_id.in_(businesses) & (DealRow.buyer_id == party))))
        if dealt:
            found.add(party)
    return tuple(sorted(found))
