"""Reputation and credit lines: each business's stored score with its track record, and the
history of its credit-line reviews (what the policy asked, what was put in force, and why).

Written only by the deal-step activity, in the transaction of the step that changed the track
record (integrations/db/reputation_read_model.py); the ledger keeps the line itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base


class ReputationRow(Base):
    """The business's reputation as last computed (domain/reputation.py), and the counters of its
    track record that the credit policy reads."""

    __tablename__ = "reputations"
    # The catalog's rating filter and sort read `score` for listings' businesses.
    __table_args__ = (Index("ix_reputations_score", "score", "business_id"),)

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    review_sum: Mapped[float] = mapped_column(Float, default=0.0)  # plain means, for the platform's mean
    quality: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[float | None] = mapped_column(Float)
    communication: Mapped[float | None] = mapped_column(Float)
    lost_disputes: Mapped[int] = mapped_column(Integer, default=0)
    won_disputes: Mapped[int] = mapped_column(Integer, default=0)
    completed_deals: Mapped[int] = mapped_column(Integer, default=0)
    completed_volume_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    parts: Mapped[list[Any]]
    updated_at: Mapped[dt.datetime]


class CreditLineReview(Base):
    """One recomputation of a member's line that changed something: the line asked, the line in
    force (never below the usage), the reasons, and the deal step that caused it."""

    __tablename__ = "credit_line_reviews"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    cause: Mapped[str] = mapped_column(String(120))  # "deal:{id}:{seq}", the idempotent trigger
    previous_minor: Mapped[int] = mapped_column(BigInteger)
    target_minor: Mapped[int] = mapped_column(BigInteger)
    in_force_minor: Mapped[int] = mapped_column(BigInteger)
    usage_minor: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[Any]]
    at: Mapped[dt.datetime]
