"""Reads of the dispute read model: who may see a case, the case itself, the arbitrator's queue,
the operators' list, evidence files, and the parties' track records.

Every read answers None (the web's 404) when the viewer has no business with the case: a party
sees its own deal's dispute, an arbitrator the cases they are or were assigned, an admin all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from domain.dispute_stages import CLOSED_STAGES
from domain.disputes import Dispute
from integrations.db.app_models import Business, DealRow
from integrations.db.deal_json import deal_from_json
from integrations.db.dispute_models import (
    AssignmentRow,
    DisputeEvent,
    DisputeRow,
    EvidenceFileBlob,
    StaffAlertRow,
)
from integrations.db.dispute_read_model import dispute_from_json


@dataclass(frozen=True)
class Viewer:
    user_id: int
    role: str
    business_id: int | None


@dataclass(frozen=True)
class CaseSummary:
    deal_id: str
    title: str
    stage: str
    buyer: str
    seller: str
    arbitrator_id: int | None
    opened_at: dt.datetime
    next_deadline_at: dt.datetime | None
    updated_at: dt.datetime


def _closed() -> list[str]:
    return [s.value for s in CLOSED_STAGES]


def may_view(session: Session, deal_id: str, viewer: Viewer) -> bool:
    if viewer.role == "admin":
        return session.get(DisputeRow, deal_id) is not None
    if viewer.role == "arbitrator":
        return bool(session.scalar(select(func.count()).where(
            AssignmentRow.deal_id == deal_id, AssignmentRow.arbitrator_id == viewer.user_id)))
    if viewer.business_id is None:
        return False
    return bool(session.scalar(select(func.count()).where(
        DisputeRow.deal_id == deal_id,
        or_(DisputeRow.buyer_id == viewer.business_id, DisputeRow.seller_id == viewer.business_id))))


def dispute_state(session: Session, deal_id: str, viewer: Viewer) -> Dispute | None:
    if not may_view(session, deal_id, viewer):
        return None
    state = session.scalar(select(DisputeRow.state).where(DisputeRow.deal_id == deal_id))
    return None if state is None else dispute_from_json(state)


def dispute_timeline(session: Session, deal_id: str) -> list[DisputeEvent]:
    return list(session.scalars(select(DisputeEvent).where(DisputeEvent.deal_id == deal_id)
                                .order_by(DisputeEvent.seq)))


def deal_of_dispute(session: Session, deal_id: str):
    state = session.scalar(select(DealRow.state).where(DealRow.deal_id == deal_id))
    return None if state is None else deal_from_json(state)


def _cases(session: Session, *conditions) -> list[CaseSummary]:
    buyer, seller = Business.__table__.alias("buyer"), Business.__table__.alias("seller")
    rows = session.execute(
        select(DisputeRow, DealRow.title, buyer.c.name, seller.c.name)
        .join(DealRow, DealRow.deal_id == DisputeRow.deal_id)
        .join(buyer, buyer.c.id == DisputeRow.buyer_id).join(seller, seller.c.id == DisputeRow.seller_id)
        .where(*conditions).order_by(DisputeRow.next_deadline_at.asc().nulls_last(), DisputeRow.opened_at)).all()
    return [CaseSummary(d.deal_id, title, d.stage, b, s, d.arbitrator_id, d.opened_at, d.next_deadline_at,
                        d.updated_at) for d, title, b, s in rows]


def arbitrator_queue(session: Session, arbitrator_id: int) -> list[CaseSummary]:
    """The cases assigned to this arbitrator now, nearest deadline first."""
    return _cases(session, DisputeRow.arbitrator_id == arbitrator_id, DisputeRow.stage.not_in(_closed()))


def open_disputes(session: Session) -> list[CaseSummary]:
    """Every dispute not yet closed, for the operators."""
    return _cases(session, DisputeRow.stage.not_in(_closed()))


def disputes_of_party(session: Session, business_id: int) -> list[CaseSummary]:
    return _cases(session, or_(DisputeRow.buyer_id == business_id, DisputeRow.seller_id == business_id))


def track_record(session: Session, business_id: int) -> dict[str, int]:
    """A party's history on the platform, for the arbitrator: deals done, disputes opened and lost."""
    deals = session.scalar(select(func.count()).where(
        or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id),
        DealRow.stage.in_(["rating", "closed"])))
    disputes = session.scalar(select(func.count()).where(
        or_(DisputeRow.buyer_id == business_id, DisputeRow.seller_id == business_id)))
    opened = session.scalar(select(func.count()).where(DisputeRow.opened_by == business_id))
    lost = session.scalar(select(func.count()).where(or_(
        (DisputeRow.buyer_id == business_id) & (DisputeRow.outcome == "lost_by_buyer"),
        (DisputeRow.seller_id == business_id) & (DisputeRow.outcome == "lost_by_seller"))))
    return {"completed_deals": deals or 0, "disputes": disputes or 0, "disputes_opened": opened or 0,
            "disputes_lost": lost or 0}


def staff_alerts(session: Session, user_id: int | None, limit: int = 50) -> list[StaffAlertRow]:
    """An arbitrator's alerts, or (None) the operators'."""
    who = StaffAlertRow.user_id.is_(None) if user_id is None else StaffAlertRow.user_id == user_id
    return list(session.scalars(select(StaffAlertRow).where(who).order_by(StaffAlertRow.id.desc()).limit(limit)))


# ---- evidence files ---------------------------------------------------------------------------
def evidence_file(session: Session, deal_id: str, sha256: str) -> EvidenceFileBlob | None:
    return session.scalar(select(EvidenceFileBlob).where(
        and_(EvidenceFileBlob.deal_id == deal_id, EvidenceFileBlob.sha256 == sha256)))
