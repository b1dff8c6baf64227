"""Plans and subscriptions in PostgreSQL: the plans admins edit, each member's plan and fee
rule, and what the subscription activities record (the subscription, its notices, every charge).

Reads return domain plans or small frozen views, never ORM rows, so pages and the API render
them after the session has closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.fees import FeeRule
from domain.money import Money
from domain.plans import FREE, FREE_PLAN, LIVE_STATUSES, Change, PeriodCharge, Plan
from integrations.db.app_models import Notification
from integrations.db.plan_models import PlanRow, SubscriptionCharge, SubscriptionRow


def _plan(row: PlanRow) -> Plan:
    return Plan(row.code, row.name, row.commission_bps, row.minimum_fee_minor,
                Money(row.monthly_price_minor, row.currency))


def all_plans(session: Session) -> list[Plan]:
    return [_plan(row) for row in session.scalars(select(PlanRow).order_by(PlanRow.position, PlanRow.code))]


def plan_by_code(session: Session, code: str) -> Plan | None:
    row = session.get(PlanRow, code)
    return _plan(row) if row else None


def update_plan(session: Session, code: str, updated_by: int, name: str | None = None,
                commission_bps: int | None = None, minimum_fee_minor: int | None = None,
                monthly_price_minor: int | None = None) -> Plan | None:
    """Change a plan's name, commission, minimum fee or monthly price (None: unchanged), inside
    the domain's bounds, and commit. Fees change at once; a new price from each subscriber's
    next period."""
    row = session.get(PlanRow, code, with_for_update=True)
    if row is None:
        return None
    old = _plan(row)
    price = old.monthly_price if monthly_price_minor is None else Money(monthly_price_minor, row.currency)
    plan = replace(old, name=old.name if name is None else name, monthly_price=price,
                   commission_bps=old.commission_bps if commission_bps is None else commission_bps,
                   minimum_fee_minor=old.minimum_fee_minor if minimum_fee_minor is None else minimum_fee_minor,
                   ).checked()
    row.name, row.commission_bps, row.minimum_fee_minor = plan.name, plan.commission_bps, plan.minimum_fee_minor
    row.monthly_price_minor, row.currency = plan.monthly_price.amount_minor, plan.monthly_price.currency
    row.updated_by, row.updated_at = updated_by, func.now()
    session.commit()
    return plan


def current_plan(session: Session, business_id: int) -> Plan:
    """The plan a business is on now: its live subscription's, else Free."""
    code = session.scalar(select(SubscriptionRow.plan_code).where(
        SubscriptionRow.business_id == business_id, SubscriptionRow.status.in_(LIVE_STATUSES)))
    return plan_by_code(session, code or FREE) or FREE_PLAN


def fee_rule_for(session: Session, business_id: int) -> FeeRule:
    """The commission a seller's deals pay at release: its plan's, read when the deal starts."""
    return current_plan(session, business_id).fee_rule()


# ---- what the member sees -------------------------------------------------------------------
@dataclass(frozen=True)
class SubscriptionView:
    plan_code: str
    status: str
    started_at: dt.datetime
    current_period_start: dt.datetime
    current_period_end: dt.datetime
    next_charge_at: dt.datetime | None
    failed_attempts: int
    cancel_at_period_end: bool
    next_plan_code: str | None
    payment_method: str

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


@dataclass(frozen=True)
class ChargeView:
    key: str
    plan_code: str
    attempt: int
    period_start: dt.datetime
    period_end: dt.datetime
    amount: Money
    status: str
    payment_intent_id: str | None
    failure: str | None
    created_at: dt.datetime


def subscription_of(session: Session, business_id: int) -> SubscriptionView | None:
    row = session.get(SubscriptionRow, business_id)
    if row is None:
        return None
    return SubscriptionView(row.plan_code, row.status, row.started_at, row.current_period_start,
                            row.current_period_end, row.next_charge_at, row.failed_attempts,
                            row.cancel_at_period_end, row.next_plan_code, row.payment_method)


def charges_of(session: Session, business_id: int, limit: int = 50) -> list[ChargeView]:
    rows = session.scalars(select(SubscriptionCharge).where(SubscriptionCharge.business_id == business_id)
                           .order_by(SubscriptionCharge.created_at.desc()).limit(limit))
    return [ChargeView(r.idempotency_key, r.plan_code, r.attempt, r.period_start, r.period_end,
                       Money(r.amount_minor, r.currency), r.status, r.payment_intent_id, r.failure, r.created_at)
            for r in rows]


# ---- what the subscription activities write -------------------------------------------------
def record_change(session: Session, change: Change, at: dt.datetime, workflow_id: str) -> None:
    """The subscription as the change left it, and its notices (inbox and mail outbox).

    Idempotent: a retried record finds its notices by key, and the row only moves forward —
    a later subscription, or a later version of the same one."""
    sub = change.subscription
    values = dict(plan_code=sub.plan.code, status=sub.status.value, started_at=sub.anchor, version=sub.version,
                  current_period_start=sub.period_start, current_period_end=sub.period_end,
                  next_charge_at=sub.next_charge_at, failed_attempts=sub.failed_attempts,
                  cancel_at_period_end=sub.cancel_at_period_end, next_plan_code=sub.next_plan_code,
                  payment_method=sub.payment_method, workflow_id=workflow_id, updated_at=at)
    statement = insert(SubscriptionRow).values(business_id=sub.business_id, **values)
    newer = tuple_(SubscriptionRow.started_at, SubscriptionRow.version) < tuple_(
        statement.excluded.started_at, statement.excluded.version)
    session.execute(statement.on_conflict_do_update(index_elements=[SubscriptionRow.business_id],
                                                    set_=values, where=newer))
    for index, notice in enumerate(change.notices):
        session.execute(insert(Notification).values(
            business_id=notice.business_id, deal_id=None, dedupe_key=f"{change.key}:{index}", kind=notice.kind,
            subject=notice.subject, body=notice.body, created_at=at, email_status="pending",
        ).on_conflict_do_nothing(index_elements=[Notification.dedupe_key]))


def claim_charge(session: Session, charge: PeriodCharge) -> SubscriptionCharge:
    """The attempt's row, created `pending` before Stripe is called (locked for the caller)."""
    session.execute(insert(SubscriptionCharge).values(
        idempotency_key=charge.key, business_id=charge.business_id, plan_code=charge.plan_code,
        attempt=charge.attempt, period_start=charge.period_start, period_end=charge.period_end,
        amount_minor=charge.amount.amount_minor, currency=charge.amount.currency,
        payment_method=charge.payment_method, status="pending",
    ).on_conflict_do_nothing(index_elements=[SubscriptionCharge.idempotency_key]))
    return session.scalars(select(SubscriptionCharge).where(SubscriptionCharge.idempotency_key == charge.key)
                           .with_for_update()).one()
