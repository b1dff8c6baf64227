"""Reads for the dispute pages: a party's case, the arbitrator's desk, the operators' list, and
the parties' record on the platform. Plain dataclasses out; the domain `Dispute` is rebuilt
from the read model so the pages ask the domain what a viewer may do now.

Who may see a case is decided here, in the WHERE clause: a party sees its own deal's dispute,
an arbitrator only a case it is or was assigned to, staff pages the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from domain.dispute_stages import CLOSED_STAGES
from domain.disputes import Dispute
from domain.evidence import EvidenceFile
from integrations.db.app_models import Business, DealRow, User
from integrations.db.dispute_models import (
    AssignmentRow,
    DisputeEvent,
    DisputeRow,
    EvidenceFileBlob,
    EvidenceRow,
    RulingRow,
)
from integrations.db.dispute_read_model import dispute_from_json

CLOSED = tuple(sorted(s.value for s in CLOSED_STAGES))


@dataclass(frozen=True)
class DisputeEntry:
    seq: int
    kind: str
    summary: str
    at: dt.datetime


@dataclass(frozen=True)
class EvidenceView:
    position: int
    submitted_by: int
    at: dt.datetime
    statement: str
    files: tuple[EvidenceFile, ...]


@dataclass(frozen=True)
class RulingView:
    kind: str  # first, appeal, agreed
    arbitrator_name: str | None
    at: dt.datetime
    description: str
    reasons: str


@dataclass(frozen=True)
class AssignmentView:
    name: str
    arbitrator_id: int
    for_appeal: bool
    at: dt.datetime
    reason: str
    ended_at: dt.datetime | None
    ended_why: str


@dataclass(frozen=True)
class DisputeView:
    dispute: Dispute
    buyer_name: str
    seller_name: str
    timeline: list[DisputeEntry]
    evidence: list[EvidenceView]
    rulings: list[RulingView]
    assignments: list[AssignmentView] = field(default_factory=list)

    def name_of(self, business_id: int) -> str:
        return self.buyer_name if business_id == self.dispute.buyer_id else self.seller_name


@dataclass(frozen=True)
class CaseSummary:
    deal_id: str
    title: str
    stage: str
    buyer_name: str
    seller_name: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    next_deadline_at: dt.datetime | None
    arbitrator_name: str | None


@dataclass(frozen=True)
class PartyRecord:
    """A party's history on the platform, for the arbitrator weighing its word."""

    business_id: int
    name: str
    member_since: dt.datetime
    deals: int
    completed: int
    disputes: int
    disputes_opened: int


def _disputes() -> Select:
    buyer, seller = aliased(Business), aliased(Business)
    return (select(DisputeRow, buyer.name, seller.name)
            .join(buyer, buyer.id == DisputeRow.buyer_id)
            .join(seller, seller.id == DisputeRow.seller_id))


def _view(session: Session, statement: Select) -> DisputeView | None:
    row = session.execute(statement).first()
    if row is None:
        return None
    dispute_row, buyer_name, seller_name = row
    key = dispute_row.deal_id
    events = session.scalars(select(DisputeEvent).where(DisputeEvent.deal_id == key).order_by(DisputeEvent.seq))
    evidence = session.scalars(select(EvidenceRow).where(EvidenceRow.deal_id == key).order_by(EvidenceRow.position))
    rulings = session.execute(select(RulingRow, User.display_name).outerjoin(User, User.id == RulingRow.arbitrator_id)
                              .where(RulingRow.deal_id == key).order_by(RulingRow.at, RulingRow.id))
    assignments = session.scalars(select(AssignmentRow).where(AssignmentRow.deal_id == key)
                                  .order_by(AssignmentRow.position))
    return DisputeView(
        dispute_from_json(dispute_row.state), buyer_name, seller_name,
        [DisputeEntry(e.seq, e.kind, e.summary, e.at) for e in events],
        [EvidenceView(e.position, e.submitted_by, e.at, e.statement, _files(e.files)) for e in evidence],
        [RulingView(r.kind, name, r.at, r.description, r.reasons) for r, name in rulings],
        [AssignmentView(a.name, a.arbitrator_id, a.for_appeal, a.at, a.reason, a.ended_at, a.ended_why)
         for a in assignments])


def _files(files: list[Any]) -> tuple[EvidenceFile, ...]:
    return tuple(EvidenceFile(f["name"], f["content_type"], f["size_bytes"], f["sha256"]) for f in files)


def dispute_for_party(session: Session, deal_id: str, business_id: int) -> DisputeView | None:
    return _view(session, _disputes().where(
        DisputeRow.deal_id == deal_id, or_(DisputeRow.buyer_id == business_id, DisputeRow.seller_id == business_id)))


def dispute_for_staff(session: Session, deal_id: str) -> DisputeView | None:
    return _view(session, _disputes().where(DisputeRow.deal_id == deal_id))


def was_assigned(session: Session, deal_id: str, arbitrator_id: int) -> bool:
    """Whether this arbitrator is or ever was on the case (one taken off still sees why)."""
    return session.scalar(select(func.count()).select_from(AssignmentRow).where(
        AssignmentRow.deal_id == deal_id, AssignmentRow.arbitrator_id == arbitrator_id)) > 0


def dispute_stage(session: Session, deal_id: str) -> str | None:
    """The stage of the deal's dispute, if it has one (for the deal page)."""
    return session.scalar(select(DisputeRow.stage).where(DisputeRow.deal_id == deal_id))


def dispute_state(session: Session, deal_id: str) -> Dispute | None:
    state = session.scalar(select(DisputeRow.state).where(DisputeRow.deal_id == deal_id))
    return None if state is None else dispute_from_json(state)


def _summaries(session: Session, statement: Select) -> list[CaseSummary]:
    arbitrator = aliased(User)
    rows = session.execute(statement.add_columns(arbitrator.display_name)
                           .outerjoin(arbitrator, arbitrator.id == DisputeRow.arbitrator_id)
                           .join(DealRow, DealRow.deal_id == DisputeRow.deal_id)
                           .add_columns(DealRow.title)).all()
    return [CaseSummary(d.deal_id, title, d.stage, buyer, seller, d.opened_at, d.updated_at, d.next_deadline_at,
                        arbitrator_name) for d, buyer, seller, arbitrator_name, title in rows]


def cases_for_arbitrator(session: Session, arbitrator_id: int) -> list[CaseSummary]:
    """The open cases assigned to this arbitrator now, the most urgent first."""
    return _summaries(session, _disputes().where(
        DisputeRow.arbitrator_id == arbitrator_id, DisputeRow.stage.not_in(CLOSED))
        .order_by(DisputeRow.next_deadline_at.asc().nulls_last(), DisputeRow.opened_at))


def open_disputes(session: Session) -> list[CaseSummary]:
    """Every dispute not yet closed, the oldest first (the operators' view)."""
    return _summaries(session, _disputes().where(DisputeRow.stage.not_in(CLOSED))
                      .order_by(DisputeRow.opened_at))


def party_record(session: Session, business_id: int) -> PartyRecord | None:
    business = session.get(Business, business_id)
    if business is None:
        return None
    either = or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id)
    deals = session.scalar(select(func.count()).select_from(DealRow).where(either))
    completed = session.scalar(select(func.count()).select_from(DealRow).where(
        either, DealRow.stage.in_(("rating", "closed"))))
    disputes = session.scalar(select(func.count()).select_from(DisputeRow).where(
        or_(DisputeRow.buyer_id == business_id, DisputeRow.seller_id == business_id)))
    opened = session.scalar(select(func.count()).select_from(DisputeRow).where(DisputeRow.opened_by == business_id))
    return PartyRecord(business_id, business.name, business.created_at, deals, completed, disputes, opened)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    content_type: str
    data: bytes


def evidence_file(session: Session, deal_id: str, sha256: str) -> StoredFile | None:
    row = session.execute(select(EvidenceFileBlob.content_type, EvidenceFileBlob.data).where(
        EvidenceFileBlob.deal_id == deal_id, EvidenceFileBlob.sha256 == sha256)).first()
    return None if row is None else StoredFile(sha256, row.content_type, row.data)
