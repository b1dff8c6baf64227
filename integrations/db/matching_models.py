"""Matching and barter rings: each want's best offers with the parts of their score, and the
read model of RingWorkflow.

`listing_matches` is written only by the matching activities (a full recompute replaces it,
a new listing changes the rows of the wants it touches), so it needs no foreign keys; `barter_rings` only by the ring-step
activity. The explanation a member reads is rebuilt from the stored parts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base


class ListingMatch(Base):
    __tablename__ = "listing_matches"
    __table_args__ = (Index("ix_listing_matches_offer_id", "offer_id"),)

    # Listings' ids, without foreign keys: derived rows, rewritten by every recompute (0015).
    want_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    want_business_id: Mapped[int] = mapped_column(BigInteger, index=True)
    offer_business_id: Mapped[int] = mapped_column(BigInteger, index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    category_points: Mapped[int] = mapped_column(SmallInteger)
    price_points: Mapped[int] = mapped_column(SmallInteger)
    payment_points: Mapped[int] = mapped_column(SmallInteger)
    rating_points: Mapped[int] = mapped_column(SmallInteger)
    delivery_points: Mapped[int] = mapped_column(SmallInteger)
    matched_at: Mapped[dt.datetime]


class BarterRingRow(Base):
    """One proposed ring: its businesses and listings to query by, and the domain state to render."""

    __tablename__ = "barter_rings"

    ring_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    business_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    listing_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    version: Mapped[int] = mapped_column(Integer)
    answer_by: Mapped[dt.datetime]
    state: Mapped[dict[str, Any]]
    proposed_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
