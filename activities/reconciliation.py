"""The reconciliation activity: read Stripe's objects, the ledger's cash lines and the platform's
log of its Stripe calls, compare them with the domain's rules, and store the run's mismatches.
Reads only; it moves no money. Safe to run again: the run row is found by its workflow id and
its mismatches are replaced."""

from __future__ import annotations

from temporalio import activity

from domain.cash import CashKind
from domain.money import Money
from domain.reconciliation import CashLine, deal_of_key, kind_of_key, reconcile, unkeyed
from integrations.db.reconciliation import (
    finish_run,
    ledger_cash_lines,
    movement_keys_in,
    movement_records,
    open_run,
)
from integrations.db.session import unit_of_work
from integrations.stripe import StripeGateway
from integrations.stripe.gateway import CashRecord
from workflows.messages import ReconciliationJob, ReconciliationReport
from workflows.names import RECONCILE_ACTIVITY


def stripe_line(record: CashRecord) -> CashLine | None:
    """A Stripe object as a deal's cash line; None if it is not a deal's money."""
    amount = Money(record.amount_minor, record.currency)
    if (kind := kind_of_key(record.key)) is not None:
        return CashLine(record.key, deal_of_key(record.key), kind, amount, record.id)
    if record.deal_id is None:
        return None  # e.g. a subscription charge: not escrow money
    # Made outside the platform (Stripe's dashboard): it can only stand on its own.
    return CashLine(unkeyed(record.id), record.deal_id, CashKind(record.kind), amount, record.id)


class Reconciliation:
    def __init__(self, database_url: str, gateway: StripeGateway) -> None:
        self._database_url = database_url
        self._stripe = gateway

    @activity.defn(name=RECONCILE_ACTIVITY)
    def reconcile_cash(self, job: ReconciliationJob) -> ReconciliationReport:
        start, end = job.period_start, job.period_end
        with unit_of_work(self._database_url) as session:
            run_id = open_run(session, job.workflow_id, start, end, job.requested_by)
        activity.heartbeat("reading Stripe")
        bank = [(line, record.created) for record in self._stripe.cash_records()
                if (line := stripe_line(record)) is not None]
        activity.heartbeat(f"read {len(bank)} Stripe objects; reading the ledger")
        # Stripe's object and the ledger's transfer for one step may fall either side of the
        # period's edge (a payout finance retried days later): a key seen on any side in the
        # period is compared in full, whenever its other records were made.
        in_period = frozenset(line.key for line, created in bank if start.timestamp() <= created < end.timestamp())
        with unit_of_work(self._database_url) as session:
            logged = movement_keys_in(session, start, end)
            books = ledger_cash_lines(session, start, end, also_keys=in_period | logged)
            keys = in_period | logged | {line.key for line in books}
            found = reconcile(books, [line for line, _ in bank if line.key in keys], movement_records(session, keys))
            finish_run(session, run_id, len(keys), found)
        return ReconciliationReport(run_id, len(keys), len(found))
