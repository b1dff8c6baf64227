"""Members, the catalog, and the deal read model that activities keep in step with workflows.

Nothing in the web changes a deal row: the `deals`, `deal_events`, `reviews` and
`notifications` tables are written only by the deal-step activity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, MinorUnits

ROLES = ("member", "arbitrator", "finance", "admin")


class Business(Base):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="known_role"),
        CheckConstraint("role <> 'member' OR business_id IS NOT NULL", name="member_has_business"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(String(20), default="member")
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), index=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("kind IN ('offer', 'want')", name="known_kind"),
        CheckConstraint("price_credits_minor > 0", name="positive_price"),
        CheckConstraint("price_cash_minor > 0", name="positive_cash_price"),
        CheckConstraint("price_credits_minor IS NOT NULL OR price_cash_minor IS NOT NULL OR open_to_barter",
                        name="priced_or_barter"),
        CheckConstraint("delivery_mode IN ('remote', 'on_site')", name="known_delivery_mode"),
        CheckConstraint("delivery_mode = 'remote' OR city <> ''", name="on_site_has_city"),
        CheckConstraint("lead_time_days BETWEEN 0 AND 365", name="sane_lead_time"),
        Index("ix_listings_search", "search", postgresql_using="gin"),
        # The search's other indexes (trigram on title, partial btrees) are in migration 0010.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="offer")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    price_credits_minor: Mapped[MinorUnits | None]
    price_cash_minor: Mapped[MinorUnits | None]  # in CASH_CURRENCY
    open_to_barter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    delivery_mode: Mapped[str] = mapped_column(String(10), default="remote", server_default="remote")
    city: Mapped[str] = mapped_column(String(80), default="", server_default="")  # where on-site work happens
    lead_time_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # The text-search config is explicit: PostgreSQL refuses a generated column otherwise.
    search: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(description, '')), 'B')",
            persisted=True,
        ),
    )


class DealRow(Base):
    """The read model of one deal: key columns to query, and the domain state to render."""

    __tablename__ = "deals"

    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"))
    title: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(10))
    ring_id: Mapped[str | None] = mapped_column(String(200), index=True)  # a barter ring's leg
    stage: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    next_deadline_at: Mapped[dt.datetime | None]
    state: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class DealEvent(Base):
    """The deal's timeline, one row per workflow step."""

    __tablename__ = "deal_events"
    __table_args__ = (UniqueConstraint("deal_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.deal_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"))
    summary: Mapped[str]
    at: Mapped[dt.datetime]


class ReviewRow(Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("deal_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.deal_id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    quality: Mapped[int]
    timeliness: Mapped[int]
    communication: Mapped[int]
    comment: Mapped[str]
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[dt.datetime]


class Notification(Base):
    """In-app inbox entry; `email_status` makes it an outbox for the mail dispatcher."""

    __tablename__ = "notifications"
    __table_args__ = (
        # 'digest': waits for the daily digest; 'digested': went out in one (notification_policy.py)
        CheckConstraint("email_status IN ('pending', 'sent', 'failed', 'none', 'digest', 'digested')",
                        name="email_status"),
        Index("ix_notifications_outbox", "id", postgresql_where=text("email_status = 'pending'")),
        Index("ix_notifications_emailed", "business_id", "emailed_at", postgresql_where=text("emailed_at IS NOT NULL")),
        Index("ix_notifications_digest", "business_id", "id", postgresql_where=text("email_status = 'digest'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.deal_id"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str]
    body: Mapped[str]
    created_at: Mapped[dt.datetime]
    read_at: Mapped[dt.datetime | None]
    email_status: Mapped[str] = mapped_column(String(10), default="pending")
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_not_before: Mapped[dt.datetime | None]  # held through the member's quiet hours
    emailed_at: Mapped[dt.datetime | None]  # the daily cap counts these
    link: Mapped[str | None] = mapped_column(String(200))  # a path on the site, when not the deal's page
