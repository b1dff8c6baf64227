"""The reconciliation activity: read the ledger's cash lines and Stripe's objects, compare them
with the domain's rules, and store the run's mismatches. Reads only; it moves no money."""

from __future__ import annotations

from temporalio import activity

from domain.money import Money
from domain.reconciliation import CashLine, kind_of_key, reconcile
from integrations.db.reconciliation import finish_run, ledger_cash_lines, open_run, payouts_in_finance_queue
from integrations.db.session import unit_of_work
from integrations.stripe import StripeGateway
from integrations.stripe.gateway import CashRecord
from workflows.messages import ReconciliationJob, ReconciliationReport
from workflows.names import RECONCILE_ACTIVITY


def deal_of(key: str) -> str:
    return ":".join(key.split(":")[1:-2])


def stripe_line(record: CashRecord) -> CashLine | None:
    kind = kind_of_key(record.key)
    if kind is None:
        return None  # not a deal's movement (e.g. a subscription charge)
    return CashLine(record.key, deal_of(record.key), kind, Money(record.amount_minor, record.currency), record.id)


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
        records = list(self._stripe.cash_records())
        in_period = frozenset(r.key for r in records if start.timestamp() <= r.created < end.timestamp())
        activity.heartbeat(f"read {len(records)} Stripe objects; reading the ledger")
        with unit_of_work(self._database_url) as session:
            books = ledger_cash_lines(session, start, end, also_keys=in_period)
            keys = in_period | {line.key for line in books}
            bank = [line for r in records if r.key in keys and (line := stripe_line(r)) is not None]
            found = reconcile(books, bank, payouts_in_finance_queue(session))
            finish_run(session, run_id, len(keys), found)
        return ReconciliationReport(run_id, len(keys), len(found))
