"""What the platform knows of Stripe: each business's customer and payout account, every Stripe
call a deal made (keyed by its idempotency key), and the webhook events already handled."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from integrations.db.base import Base


class StripeAccount(Base):
    __tablename__ = "stripe_accounts"

    business_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("businesses.id"), primary_key=True)
    customer_id: Mapped[str | None]
    connected_account_id: Mapped[str | None] = mapped_column(unique=True)
    payouts_enabled: Mapped[bool] = mapped_column(server_default="false")
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class StripeMovement(Base):
    __tablename__ = "stripe_movements"

    key: Mapped[str] = mapped_column(primary_key=True)
    deal_id: Mapped[str] = mapped_column(index=True)
    kind: Mapped[str]
    business_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("businesses.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str]
    stripe_id: Mapped[str | None] = mapped_column(unique=True)
    charge_id: Mapped[str | None]
    status: Mapped[str]
    failure: Mapped[str | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # Finance's retries of a payout Stripe refused; each retry is its own Stripe call.
    retries: Mapped[int] = mapped_column(server_default="0")
    retried_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    retried_at: Mapped[dt.datetime | None]


class StripeEvent(Base):
    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[str]
    object_id: Mapped[str | None]
    outcome: Mapped[str]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


def stripe_account(session: Session, business_id: int) -> StripeAccount:
    """The business's row, created empty on first use (locked for the caller's transaction)."""
    session.execute(insert(StripeAccount).values(business_id=business_id).on_conflict_do_nothing())
    return session.scalars(select(StripeAccount).where(StripeAccount.business_id == business_id)
                           .with_for_update()).one()


def movement(session: Session, key: str) -> StripeMovement | None:
    return session.get(StripeMovement, key)


def movements_for_deal(session: Session, deal_id: str) -> list[StripeMovement]:
    return list(session.scalars(select(StripeMovement).where(StripeMovement.deal_id == deal_id)
                                .order_by(StripeMovement.created_at)))


def record_movement(session: Session, **values) -> None:
    """Store a Stripe call's answer under its key; the same key again updates its status."""
    statement = insert(StripeMovement).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[StripeMovement.key],
        set_={"stripe_id": statement.excluded.stripe_id, "charge_id": statement.excluded.charge_id,
              "status": statement.excluded.status, "failure": statement.excluded.failure,
              "updated_at": func.now()}))


def first_time_seen(session: Session, event_id: str, type_: str, object_id: str | None, outcome: str) -> bool:
    """Record a webhook event; False if it was already handled (Stripe delivers at least once)."""
    inserted = session.execute(insert(StripeEvent).values(
        event_id=event_id, type=type_, object_id=object_id, outcome=outcome,
    ).on_conflict_do_nothing().returning(StripeEvent.event_id)).first()
    return inserted is not None
