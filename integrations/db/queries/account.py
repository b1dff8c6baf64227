"""A member's inbox and credits, and the staff overview."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.errors import InvalidInput
from domain.ledger import member_account
from domain.money import CREDITS
from integrations.db.app_models import (
    Business,
    DealRow,
    Notification,
)
from integrations.db.ledger import Ledger
from integrations.db.queries.deals import _deal_rows, _summary
from integrations.db.queries.views import CreditAccount, NotificationView, StaffOverview


# ---- inbox and credits ------------------------------------------------------------------
def inbox(session: Session, business_id: int, limit: int = 100) -> list[NotificationView]:
    rows = session.scalars(select(Notification).where(Notification.business_id == business_id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return [NotificationView(n.id, n.deal_id, n.kind, n.subject, n.body, n.created_at, n.read_at, n.link)
            for n in rows]


def notification(session: Session, business_id: int, notification_id: int) -> NotificationView | None:
    n = session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.business_id == business_id))
    return NotificationView(n.id, n.deal_id, n.kind, n.subject, n.body, n.created_at, n.read_at, n.link) if n else None


def unread_count(session: Session, business_id: int) -> int:
    return session.scalar(select(func.count()).where(
        Notification.business_id == business_id, Notification.read_at.is_(None)))


def balance_and_statement(session: Session, business_id: int, limit: int = 100) -> CreditAccount | None:
    ledger = Ledger(session)
    address = member_account(business_id, CREDITS)
    try:
        balance = ledger.balance(address)
    except InvalidInput:  # no credit account: not a member business
        return None
    return CreditAccount(balance, ledger.statement(address, limit=limit))


# ---- staff ------------------------------------------------------------------------------
def staff_overview(session: Session, recent: int = 20) -> StaffOverview:
    by_stage = dict(session.execute(select(DealRow.stage, func.count()).group_by(DealRow.stage)).all())
    members = session.scalar(select(func.count()).select_from(Business))
    rows = session.execute(_deal_rows().order_by(DealRow.updated_at.desc()).limit(recent)).all()
    return StaffOverview(by_stage, members, [_summary(*row) for row in rows], Ledger(session).trial_balance())
