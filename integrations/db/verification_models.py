"""Verification (KYB): the read model of VerificationWorkflow and the documents' bytes.

A business without a row, or whose row is not `approved`, is unverified. Only the
verification-step activity writes `verifications` and `verification_events`; the web stores
checked documents before it sends the submission that names them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base

STATUSES = ("none", "submitted", "info_requested", "approved", "rejected")


class VerificationRow(Base):
    __tablename__ = "verifications"
    __table_args__ = (CheckConstraint(f"status IN {STATUSES}", name="known_status"),)

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    registration_number: Mapped[str] = mapped_column(default="")
    address: Mapped[str] = mapped_column(default="")
    representative: Mapped[str] = mapped_column(default="")
    reason: Mapped[str] = mapped_column(default="")
    waiting_since: Mapped[dt.datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class VerificationEvent(Base):
    __tablename__ = "verification_events"
    __table_args__ = (UniqueConstraint("business_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str]
    at: Mapped[dt.datetime]


class VerificationDocument(Base):
    __tablename__ = "verification_documents"
    __table_args__ = (
        UniqueConstraint("business_id", "sha256"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        CheckConstraint("size_bytes = octet_length(data) AND size_bytes > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
