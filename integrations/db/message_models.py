"""The deal's message thread (migration 0011): append-only, enforced by the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base


class DealMessageRow(Base):
    """One message; `request_id` makes a retried post land on the same row."""

    __tablename__ = "deal_messages"
    __table_args__ = (
        CheckConstraint("char_length(body) BETWEEN 1 AND 5000", name="body_length"),
        UniqueConstraint("deal_id", "author_business_id", "request_id"),
        Index("ix_deal_messages_deal_id_id", "deal_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.deal_id"))
    author_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str]
    request_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
