"""ReconciliationWorkflow against the real worker, PostgreSQL and local Stripe: clean cash deals
agree; a payout in finance's queue, a refund made by hand in Stripe's dashboard and a log that
contradicts Stripe are each listed with their deal and reason, and a retried payout agrees again."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import update

from domain.reconciliation import Mismatch
from integrations.db.reconciliation import run_view
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import StripeMovement
from integrations.temporal import TemporalGateway
from tests.builders import a_staff_user
from tests.workflows.test_cash_deal import gateway, hybrid_deal, sdk  # noqa: F401
from tests.workflows.test_credit_deal import assert_ledger_invariants
from tests.workflows.test_payout_retry import transfer_faults  # noqa: F401
from workflows.messages import PayoutRetry, ReconciliationReport, ReconciliationRequest
from workflows.names import RECONCILIATION_WORKFLOW

pytestmark = pytest.mark.usefixtures("deal_worker")


async def reconcile(client, database_url: str) -> tuple[ReconciliationReport, dict[str, list[Mismatch]]]:
    """A run over the last hour; its mismatches by deal."""
    end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    report = await client.execute_workflow(
        RECONCILIATION_WORKFLOW, ReconciliationRequest(end - dt.timedelta(hours=1), end),
        id=f"reconciliation-test-{uuid.uuid4().hex}", task_queue="tradepact", result_type=ReconciliationReport)
    with unit_of_work(database_url) as session:
        run = run_view(session, report.run_id)
    assert run is not None and run.status == "done" and run.mismatches == len(run.found) == report.mismatches
    by_deal: dict[str, list[Mismatch]] = {}
    for mismatch in run.found:
        by_deal.setdefault(mismatch.deal_id, []).append(mismatch)
    return report, by_deal


async def a_completed_cash_deal(client, database_url, gateway):  # noqa: F811
    deal = await hybrid_deal(client, database_url, gateway)
    for actor, action in ((deal.buyer, "fund"), (deal.seller, "deliver"), (deal.buyer, "confirm")):
        await deal.act(actor, action)
    return deal


async def test_clean_deals_agree_and_a_queued_payout_is_listed_until_finance_sends_it(
        client, database_url, gateway, transfer_faults, settings):  # noqa: F811
    clean = await a_completed_cash_deal(client, database_url, gateway)
    queued = await hybrid_deal(client, database_url, gateway)
    await queued.act(queued.buyer, "fund")
    await queued.act(queued.seller, "deliver")
    transfer_faults("before", 400)
    await queued.act(queued.buyer, "confirm")
    key = f"deal:{queued.deal_id}:release:EUR"

    report, found = await reconcile(client, database_url)
    assert report.checked >= 4  # both deals' card payments and payouts
    assert clean.deal_id not in found
    assert found[queued.deal_id] == [Mismatch(queued.deal_id, key, (
        "the ledger records a payout of 57.00 EUR but Stripe has none "
        "(Stripe refused it; it waits in finance's payout queue)"))]

    finance = a_staff_user(database_url, "finance").user_id
    temporal = TemporalGateway(settings.temporal_address, "default", settings.task_queue)
    assert (await asyncio.to_thread(temporal.retry_payout, PayoutRetry(key, finance))).succeeded
    _report, found = await reconcile(client, database_url)
    assert clean.deal_id not in found and queued.deal_id not in found
    assert_ledger_invariants(database_url, queued.deal_id, closed=True)


async def test_a_refund_made_in_stripes_dashboard_is_listed_with_its_deal(
        client, database_url, gateway, sdk):  # noqa: F811
    deal = await a_completed_cash_deal(client, database_url, gateway)
    (intent,) = [pi for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
                 if pi.transfer_group == f"deal-{deal.deal_id}"]
    refund = sdk.v1.refunds.create({"payment_intent": intent.id, "amount": 3_00})  # no metadata, no key

    _report, found = await reconcile(client, database_url)
    assert found[deal.deal_id] == [Mismatch(deal.deal_id, f"stripe:{refund.id}", (
        f"Stripe has a refund of 3.00 EUR ({refund.id}) that the ledger does not record; "
        "the platform never asked Stripe for it"))]


async def test_a_log_that_calls_a_sent_payout_refused_is_flagged_before_a_retry_pays_twice(
        client, database_url, gateway):  # noqa: F811
    deal = await a_completed_cash_deal(client, database_url, gateway)
    key = f"deal:{deal.deal_id}:release:EUR"
    with unit_of_work(database_url) as session:
        session.execute(update(StripeMovement).where(StripeMovement.key == key)
                        .values(status="failed", failure="lost in a crash"))

    _report, found = await reconcile(client, database_url)
    (mismatch,) = found[deal.deal_id]
    assert mismatch.key == key and mismatch.reason.startswith("the platform's log says Stripe refused this payout")
    assert mismatch.reason.endswith("retrying it would move the money twice")
