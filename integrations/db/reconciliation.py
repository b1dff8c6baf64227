"""Reconciliation's storage: its runs and mismatches, and the ledger's cash lines for a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import BigInteger, ForeignKey, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.money import Money
from domain.reconciliation import CashLine, Mismatch, MovementRecord, kind_of_key
from integrations.db.base import Base
from integrations.db.stripe_records import StripeMovement


class ReconciliationRun(Base):
    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(unique=True)
    period_start: Mapped[dt.datetime]
    period_end: Mapped[dt.datetime]
    requested_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(server_default="running")
    checked: Mapped[int] = mapped_column(server_default="0")
    mismatches: Mapped[int] = mapped_column(server_default="0")
    started_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[dt.datetime | None]


class ReconciliationMismatch(Base):
    __tablename__ = "reconciliation_mismatches"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reconciliation_runs.id"), index=True)
    deal_id: Mapped[str]
    key: Mapped[str]
    reason: Mapped[str]


def open_run(session: Session, workflow_id: str, start: dt.datetime, end: dt.datetime,
             requested_by: int | None) -> int:
    """The run of this workflow, created on first call (an activity retried finds it again)."""
    session.execute(insert(ReconciliationRun).values(
        workflow_id=workflow_id, period_start=start, period_end=end, requested_by=requested_by,
    ).on_conflict_do_nothing(index_elements=["workflow_id"]))
    return session.scalars(select(ReconciliationRun.id).where(ReconciliationRun.workflow_id == workflow_id)).one()


def finish_run(session: Session, run_id: int, checked: int, found: tuple[Mismatch, ...]) -> None:
    session.query(ReconciliationMismatch).filter(ReconciliationMismatch.run_id == run_id).delete()
    session.add_all(ReconciliationMismatch(run_id=run_id, deal_id=m.deal_id, key=m.key, reason=m.reason)
                    for m in found)
    run = session.get(ReconciliationRun, run_id, with_for_update=True)
    assert run is not None
    run.status, run.checked, run.mismatches, run.finished_at = "done", checked, len(found), func.now()


def ledger_cash_lines(session: Session, start: dt.datetime, end: dt.datetime,
                      also_keys: frozenset[str] = frozenset()) -> list[CashLine]:
    """The ledger's side: each deal transfer of the period that moved money through Stripe
    clearing, by the amount that went through Stripe (a release's clearing leg is the payout,
    less the fee); plus `also_keys` whenever recorded (Stripe's object may fall on the other
    side of the period's edge from the ledger's transfer for it)."""
    rows = session.execute(text("""
        SELECT t.id, t.deal_id, abs(e.amount), e.currency
          FROM ledger_transfers t
          JOIN ledger_entries e ON e.transfer_id = t.id
          JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.address LIKE 'platform:stripe_clearing:%' AND t.deal_id IS NOT NULL
           AND ((t.created_at >= :start AND t.created_at < :end) OR t.id = ANY(:keys))"""),
        {"start": start, "end": end, "keys": list(also_keys)})
    return [CashLine(key, deal_id, kind, Money(amount, currency), key)
            for key, deal_id, amount, currency in rows if (kind := kind_of_key(key)) is not None]


def movement_keys_in(session: Session, start: dt.datetime, end: dt.datetime) -> frozenset[str]:
    """Deal movements the platform logged (or retried) in the period."""
    return frozenset(session.scalars(select(StripeMovement.key).where(
        StripeMovement.key.like("deal:%"),
        or_(StripeMovement.created_at.between(start, end), StripeMovement.updated_at.between(start, end)))))


def movement_records(session: Session, keys: frozenset[str]) -> list[MovementRecord]:
    """The platform's log of its Stripe calls for these keys (stripe_movements)."""
    rows = session.scalars(select(StripeMovement).where(StripeMovement.key.in_(list(keys))))
    return [MovementRecord(row.key, row.deal_id, kind, row.status, row.stripe_id, row.failure)
            for row in rows if (kind := kind_of_key(row.key)) is not None]


@dataclass(frozen=True)
class RunView:
    id: int
    period_start: dt.datetime
    period_end: dt.datetime
    status: str
    checked: int
    mismatches: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    nightly: bool
    found: tuple[Mismatch, ...]


def recent_runs(session: Session, limit: int = 20) -> list[RunView]:
    return _views(session, session.scalars(select(ReconciliationRun).order_by(ReconciliationRun.id.desc())
                                           .limit(limit)).all())


def run_view(session: Session, run_id: int) -> RunView | None:
    run = session.get(ReconciliationRun, run_id)
    return _views(session, [run])[0] if run else None


def _views(session: Session, runs) -> list[RunView]:
    found: dict[int, list[Mismatch]] = {}
    for m in session.scalars(select(ReconciliationMismatch).where(
            ReconciliationMismatch.run_id.in_([r.id for r in runs])).order_by(ReconciliationMismatch.key)):
        found.setdefault(m.run_id, []).append(Mismatch(m.deal_id, m.key, m.reason))
    return [RunView(r.id, r.period_start, r.period_end, r.status, r.checked, r.mismatches, r.started_at,
                    r.finished_at, r.requested_by is None, tuple(found.get(r.id, ()))) for r in runs]
