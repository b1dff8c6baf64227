"""The dispute read model that the dispute-step activity keeps in step with DisputeWorkflow,
the evidence files parties upload, the arbitrators' profiles, and alerts for staff.

Nothing in the web writes these tables except `dispute_files` (the bytes of an evidence file,
checked before they are stored) and `arbitrators` (an operator's set-up). Every other row is
written by the activity from the workflow's `Dispute`, so the read model can always be rebuilt
from the workflow's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base


class Arbitrator(Base):
    """A staff user who may rule on disputes; `business_id` is a business they work for (a
    conflict whenever it is a party, or has dealt with one)."""

    __tablename__ = "arbitrators"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    is_senior: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"))


class DisputeRow(Base):
    """One dispute (at most one per deal): key columns to query, and the domain state to render."""

    __tablename__ = "disputes"

    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.deal_id"), primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    opened_by: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    reason: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    arbitrator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # assigned now
    next_deadline_at: Mapped[dt.datetime | None]
    opened_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))  # Dispute.outcome: for reputation
    state: Mapped[dict[str, Any]]


class DisputeEvent(Base):
    """The dispute's timeline, one row per workflow step. `actor_id` is a business for a
    party's action, a user for an arbitrator's or operator's, None for the clock."""

    __tablename__ = "dispute_events"
    __table_args__ = (UniqueConstraint("deal_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("disputes.deal_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str]
    at: Mapped[dt.datetime]


class SettlementOfferRow(Base):
    __tablename__ = "dispute_offers"
    __table_args__ = (UniqueConstraint("deal_id", "number"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("disputes.deal_id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    by_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    at: Mapped[dt.datetime]
    description: Mapped[str]
    message: Mapped[str]
    ruling: Mapped[dict[str, Any]]


class EvidenceRow(Base):
    """One submission: a statement and the files it names (by hash; bytes in dispute_files)."""

    __tablename__ = "dispute_evidence"
    __table_args__ = (UniqueConstraint("deal_id", "position"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("disputes.deal_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in the order submitted
    submitted_by: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    at: Mapped[dt.datetime]
    statement: Mapped[str]
    files: Mapped[list[Any]]  # [{name, content_type, size_bytes, sha256}]


class EvidenceFileBlob(Base):
    """The bytes of an evidence file, stored only after its size, type and hash were checked."""

    __tablename__ = "dispute_files"
    __table_args__ = (UniqueConstraint("deal_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("disputes.deal_id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    created_at: Mapped[dt.datetime]


class AssignmentRow(Base):
    __tablename__ = "dispute_assignments"
    __table_args__ = (UniqueConstraint("deal_id", "position"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("disputes.deal_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    arbitrator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str]
    is_senior: Mapped[bool] = mapped_column(Boolean)
    for_appeal: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime]
    reason: Mapped[str]
    ended_at: Mapped[dt.datetime | None]
    ended_why: Mapped[str] = mapped_column(default="")


class RulingRow(Base):
    """A ruling on the case: `first` (an arbitrator's or by default), `appeal`, or `agreed`."""

    __tablename__ = "dispute_rulings"
    __table_args__ = (UniqueConstraint("deal_id", "kind"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("disputes.deal_id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    arbitrator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime]
    description: Mapped[str]
    reasons: Mapped[str]
    ruling: Mapped[dict[str, Any]]


class StaffAlertRow(Base):
    """An alert for an arbitrator (`user_id`) or, with no user, for the operators on duty."""

    __tablename__ = "staff_alerts"
    __table_args__ = (
        Index("ix_staff_alerts_unread", "user_id", postgresql_where=text("read_at IS NULL")),
        Index("ix_staff_alerts_outbox", "id", postgresql_where=text("email_status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.deal_id"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str]
    body: Mapped[str]
    created_at: Mapped[dt.datetime]
    read_at: Mapped[dt.datetime | None]
    email_status: Mapped[str] = mapped_column(String(10), default="pending")  # the mail outbox's queue
