"""Settlements and payouts for finance: every Stripe movement a deal made, failed payouts first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from domain.money import Money
from integrations.db.app_models import Business, DealRow, User
from integrations.db.stripe_records import StripeMovement

__all__ = ["CashMovementView", "cash_movements", "failed_payouts", "payout_queue"]


@dataclass(frozen=True)
class CashMovementView:
    key: str
    deal_id: str
    deal_title: str | None
    kind: str
    business_name: str
    amount: Money
    status: str
    stripe_id: str | None
    charge_id: str | None
    failure: str | None
    retries: int
    updated_at: dt.datetime
    retried_by: str | None  # the finance user who retried it last
    retried_at: dt.datetime | None

    @property
    def retryable(self) -> bool:
        return self.kind == "payout" and self.status == "failed"


def cash_movements(session: Session, status: str | None = None, kind: str | None = None,
                   limit: int = 200) -> list[CashMovementView]:
    """Newest first, except that failed payouts (finance's queue) come before everything."""
    statement = _movements()
    if status:
        statement = statement.where(StripeMovement.status == status)
    if kind:
        statement = statement.where(StripeMovement.kind == kind)
    queue_first = case((StripeMovement.status == "failed", 0), else_=1)
    return _views(session.execute(statement.order_by(queue_first, StripeMovement.updated_at.desc()).limit(limit)))


def payout_queue(session: Session) -> list[CashMovementView]:
    """Finance's queue: payouts Stripe refused and no retry has sent yet, oldest first."""
    return _views(session.execute(_movements().where(StripeMovement.kind == "payout", StripeMovement.status == "failed")
                                  .order_by(StripeMovement.created_at)))


def _movements():
    retrier = aliased(User)
    return (select(StripeMovement, Business.name, DealRow.title, retrier.display_name)
            .join(Business, Business.id == StripeMovement.business_id)
            .outerjoin(DealRow, DealRow.deal_id == StripeMovement.deal_id)
            .outerjoin(retrier, retrier.id == StripeMovement.retried_by))


def _views(rows) -> list[CashMovementView]:
    return [CashMovementView(m.key, m.deal_id, title, m.kind, name, Money(m.amount_minor, m.currency), m.status,
                             m.stripe_id, m.charge_id, m.failure, m.retries, m.updated_at, retrier, m.retried_at)
            for m, name, title, retrier in rows]


def failed_payouts(session: Session) -> int:
    return session.scalar(select(func.count()).where(StripeMovement.kind == "payout",
                                                     StripeMovement.status == "failed")) or 0
