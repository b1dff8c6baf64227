"""Reconciliation against the real local Stripe server: a clean cash deal agrees, money Stripe
moved without the ledger is listed with its deal; nightly runs come from a Temporal Schedule."""

from __future__ import annotations

import time

import stripe

from tests.builders import a_staff_user, a_token
from tests.web.conftest import Api
from tests.web.test_cash_and_barter_deals import a_hybrid_deal
from workflows.names import NIGHTLY_RECONCILIATION


def reconcile(finance: Api) -> dict:
    """Start a run for the last day and wait until it is done."""
    before = {run["id"] for run in finance.get("/api/v1/finance/reconciliation").json}
    started = finance.post("/api/v1/finance/reconciliation", {})
    assert started.status_code == 202, started.json
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [run for run in finance.get("/api/v1/finance/reconciliation").json if run["id"] not in before]
        if new and new[0]["status"] == "done":
            return new[0]
        time.sleep(0.2)
    raise AssertionError("the reconciliation run did not finish")


def test_a_clean_deal_agrees_and_a_refund_the_ledger_never_saw_is_listed(app, api, member, listing, database_url,
                                                                        settings, visitor):
    _seller_api, _buyer_api, deal_id, _s, _b = a_hybrid_deal(api, member, listing,
                                                             "accept", "fund", "deliver", "confirm")
    finance_login = a_staff_user(database_url, "finance")
    finance = Api(app.test_client(), a_token(database_url, finance_login.user_id))

    clean = reconcile(finance)
    assert clean["checked"] >= 2  # at least this deal's card payment and payout
    assert [m for m in clean["found"] if m["deal_id"] == deal_id] == []

    sdk = stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base})
    (intent,) = [pi for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
                 if pi.transfer_group == f"deal-{deal_id}"]
    sdk.v1.refunds.create({"payment_intent": intent.id, "amount": 10_00,
                           "metadata": {"deal_id": deal_id, "key": f"deal:{deal_id}:refund:EUR"}})
    found = [m for m in reconcile(finance)["found"] if m["deal_id"] == deal_id]
    assert len(found) == 1 and "Stripe has a refund of 10.00 EUR" in found[0]["reason"]

    page = visitor(finance_login).get("/finance/reconciliation").get_data(as_text=True)
    assert "that the ledger does not record" in page


def test_the_nightly_run_is_a_schedule_created_once(deal_worker, settings):
    from workflows.worker import ensure_nightly_reconciliation

    async def twice():
        for _ in range(2):
            await ensure_nightly_reconciliation(deal_worker.client, settings.task_queue)
        return await deal_worker.client.get_schedule_handle(NIGHTLY_RECONCILIATION).describe()

    described = deal_worker.run(twice())
    (calendar,) = described.schedule.spec.calendars  # the server keeps the cron line as a calendar
    assert [r.start for r in calendar.hour] == [2] and [r.start for r in calendar.minute] == [0]
    assert described.schedule.action.workflow == "ReconciliationWorkflow"
