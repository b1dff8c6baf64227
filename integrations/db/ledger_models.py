"""Ledger tables: accounts, immutable transfers, and their entries (double entry).

The database itself keeps the books honest (migration 0001_ledger holds the triggers and the
`ledger_move` / `ledger_settle` functions; 0016_ledger_batch checks balance per statement): a
transfer's entries sum to zero per currency, an entry is in its account's currency, an account
never passes its credit line, entries are never updated or deleted, and a transfer changes only
once, from a pending hold to posted or voided.
Balances on the account row are maintained by triggers from the entries; nothing else writes them.
This module must not import the domain: it describes storage only (`integrations.db.ledger`
speaks the domain's language).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, func, text
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, Currency, MinorUnits


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "credit_limit IS NULL OR posted - pending_out >= -credit_limit", name="within_credit_line"
        ),
        # The rule is in the function (0018_ledger_lean_checks): a call is cheaper to prepare per statement.
        CheckConstraint("ledger_amounts_not_negative(credit_limit, pending_out, pending_in)",
                        name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(unique=True)
    currency: Mapped[Currency]
    kind: Mapped[str]
    # NULL: no lower bound (clearing accounts mirror money held outside the ledger);
    # 0: may not go below zero; n: a member's credit line of n minor units.
    credit_limit: Mapped[int | None] = mapped_column(BigInteger)
    posted: Mapped[MinorUnits] = mapped_column(server_default="0")
    pending_out: Mapped[MinorUnits] = mapped_column(server_default="0")
    pending_in: Mapped[MinorUnits] = mapped_column(server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class LedgerTransfer(Base):
    __tablename__ = "ledger_transfers"
    __table_args__ = (
        # Known kind and status; only a hold has a life of its own (the other kinds are born in
        # their final status); a post or a void names the hold it settles. The rules are in the
        # function (0018_ledger_lean_checks): a call is cheaper to prepare per statement.
        CheckConstraint("ledger_transfer_well_formed(kind, status, pending_id)", name="well_formed"),
        # A hold is posted or voided once.
        Index("uq_ledger_transfers_pending_id", "pending_id", unique=True,
              postgresql_where=text("pending_id IS NOT NULL")),
    )

    # The caller's idempotency key, e.g. `deal:{id}:fund:CRD`.
    id: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    status: Mapped[str]
    pending_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    deal_id: Mapped[str | None] = mapped_column(index=True)
    memo: Mapped[str] = mapped_column(server_default="")
    # clock_timestamp, not now(): the steps of one deal share a transaction and still need an order.
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.clock_timestamp())


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="non_zero"),
        Index("ix_ledger_entries_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Both must exist: checked by the ledger's statement trigger rather than by foreign keys
    # (0019_ledger_entry_references); transfers and accounts are never deleted.
    transfer_id: Mapped[str] = mapped_column(index=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    # Signed from the account's point of view: positive increases its balance.
    amount: Mapped[MinorUnits]
    currency: Mapped[Currency]
    # Entries of a hold reserve (pending_out / pending_in) instead of moving the posted balance.
    pending: Mapped[bool] = mapped_column(server_default="false")


class LedgerUnbalancedTransfer(Base):
    """A transfer some statement left unbalanced, queued for a check at commit (0016_ledger_batch).

    Its deferred trigger checks the transfer and deletes the row, so the table is empty outside
    a transaction; nothing but that trigger reads it.
    """

    __tablename__ = "ledger_unbalanced_transfers"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    transfer_id: Mapped[str]
