"""Finance's own table: manual ledger adjustments and their two-person decision.

The rules live in `domain.adjustments`; the CHECK constraints here (migration 0003_finance)
repeat the ones a stray UPDATE could break: a positive amount, a known status, a decision
recorded exactly when the proposal is closed, never approved by its proposer, and a ledger
transfer exactly when approved. This module must not import the domain: it describes storage.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, Currency, MinorUnits

ADJUSTMENT_STATUSES = ("proposed", "approved", "rejected")


class AdjustmentRow(Base):
    __tablename__ = "finance_adjustments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive_amount"),
        CheckConstraint(f"status IN {ADJUSTMENT_STATUSES}", name="known_status"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("from_account <> to_account", name="two_accounts"),
        CheckConstraint("length(btrim(reason)) > 0", name="has_reason"),
        CheckConstraint("(status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL)",
                        name="decided_iff_closed"),
        CheckConstraint("status <> 'approved' OR decided_by <> proposed_by", name="four_eyes"),
        CheckConstraint("(status = 'approved') = (transfer_id IS NOT NULL)", name="approved_iff_posted"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    from_account: Mapped[str]
    to_account: Mapped[str]
    amount_minor: Mapped[MinorUnits]
    currency: Mapped[Currency]
    reason: Mapped[str]
    status: Mapped[str] = mapped_column(String(10), index=True, default="proposed", server_default="proposed")
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(default="", server_default="")
    transfer_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_transfers.id"), unique=True)
    # The ledger's refusal of the latest approval attempt; the proposal stays open meanwhile.
    last_error: Mapped[str | None]
    last_error_at: Mapped[dt.datetime | None]
