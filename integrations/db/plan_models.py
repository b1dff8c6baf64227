"""Plans, subscriptions and subscription charges (migration 0007_plans).

`subscriptions` holds each business's latest subscription as its workflow last recorded it
(written only by the subscription activities); `subscription_charges` holds every attempt to
charge one, by its Stripe idempotency key. This module describes storage: the rules are in
`domain.plans`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, Currency, MinorUnits


class PlanRow(Base):
    __tablename__ = "plans"

    code: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    position: Mapped[int] = mapped_column(server_default="0")
    commission_bps: Mapped[int]
    minimum_fee_minor: Mapped[MinorUnits]
    monthly_price_minor: Mapped[MinorUnits]
    currency: Mapped[Currency] = mapped_column(server_default="EUR")
    updated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    business_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("businesses.id"), primary_key=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"))
    status: Mapped[str]
    started_at: Mapped[dt.datetime]
    version: Mapped[int]
    current_period_start: Mapped[dt.datetime]
    current_period_end: Mapped[dt.datetime]
    next_charge_at: Mapped[dt.datetime | None]
    failed_attempts: Mapped[int] = mapped_column(server_default="0")
    cancel_at_period_end: Mapped[bool] = mapped_column(server_default="false")
    next_plan_code: Mapped[str | None] = mapped_column(ForeignKey("plans.code"))
    payment_method: Mapped[str]
    workflow_id: Mapped[str]
    updated_at: Mapped[dt.datetime]


class SubscriptionCharge(Base):
    __tablename__ = "subscription_charges"
    __table_args__ = (Index("ix_subscription_charges_business", "business_id", "created_at"),)

    idempotency_key: Mapped[str] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("businesses.id"))
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"))
    attempt: Mapped[int]
    period_start: Mapped[dt.datetime]
    period_end: Mapped[dt.datetime]
    amount_minor: Mapped[MinorUnits]
    currency: Mapped[Currency]
    payment_method: Mapped[str]
    status: Mapped[str]
    payment_intent_id: Mapped[str | None] = mapped_column(unique=True)
    charge_id: Mapped[str | None]
    failure: Mapped[str | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
