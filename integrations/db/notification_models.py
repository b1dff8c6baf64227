"""Notification preferences, sent digests, saved searches and the listings waiting to be matched
against them.

`notification_settings` holds one row per business that changed anything (no row: the platform
defaults of domain/notification_policy.py). `notification_digests` has one row per business and
local day: its uniqueness is what keeps a digest from going out twice. `listings_to_match` is
the queue the publish transaction fills and the worker's alert pass empties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base

ALERT_MODES = ("immediate", "digest")


class NotificationSettings(Base):
    __tablename__ = "notification_settings"
    __table_args__ = (
        CheckConstraint("daily_cap BETWEEN 1 AND 100", name="sane_daily_cap"),
        CheckConstraint("(quiet_start IS NULL) = (quiet_end IS NULL)", name="quiet_hours_whole"),
    )

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    channels: Mapped[dict[str, Any]]  # topic name -> channel
    time_zone: Mapped[str] = mapped_column(String(64))
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    daily_cap: Mapped[int] = mapped_column(Integer)
    digest_at: Mapped[dt.time] = mapped_column(Time)
    updated_at: Mapped[dt.datetime]


class NotificationDigest(Base):
    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("business_id", "day"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # the member's local day
    items: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime]


class SavedSearch(Base):
    __tablename__ = "saved_searches"
    __table_args__ = (CheckConstraint(f"alerts IN {ALERT_MODES}", name="known_alerts"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    search: Mapped[dict[str, Any]]  # the search page's validated arguments (prices in minor units)
    alerts: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime]


class ListingToMatch(Base):
    __tablename__ = "listings_to_match"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    published_at: Mapped[dt.datetime]
