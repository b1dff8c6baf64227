"""A payout Stripe refuses for good: the deal completes, the payout waits in finance's queue,
and finance's retries (PayoutRetryWorkflow, through the web's Temporal door) send it exactly
once — whatever Stripe does on the way, however many times finance clicks."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import update

from integrations.db.session import unit_of_work
from integrations.db.stripe_records import StripeMovement, movement, stripe_account
from integrations.temporal import TemporalGateway
from tests.builders import a_staff_user
from tests.workflows.driver import timeline_kinds
from tests.workflows.test_cash_deal import gateway, hybrid_deal, sdk, stripe_objects  # noqa: F401
from tests.workflows.test_credit_deal import assert_ledger_invariants
from workflows.messages import PayoutRetried, PayoutRetry

pytestmark = pytest.mark.usefixtures("deal_worker")


@pytest.fixture
def transfer_faults(settings):
    """Break the next transfer creations (a fault on POST only: the retry also lists transfers)."""
    url = f"{settings.stripe_api_base}/_config/faults"

    def inject(mode: str, status: int) -> None:
        requests.post(url, json={"path_prefix": "/v1/transfers", "method": "POST", "mode": mode, "status": status},
                      timeout=5).raise_for_status()

    yield inject
    requests.delete(url, timeout=5).raise_for_status()


@pytest.fixture
def temporal(settings) -> TemporalGateway:
    return TemporalGateway(settings.temporal_address, "default", settings.task_queue)


def payout_row(database_url: str, key: str) -> tuple:
    with unit_of_work(database_url) as session:
        row = movement(session, key)
        return row.status, row.stripe_id, row.retries, row.retried_by, row.failure


async def retry(temporal: TemporalGateway, key: str, user_id: int) -> PayoutRetried:
    # The gateway is the web's synchronous door: call it off the test's event loop.
    return await asyncio.to_thread(temporal.retry_payout, PayoutRetry(key, user_id))


async def a_deal_whose_payout_stripe_refused(client, database_url, gateway, transfer_faults):  # noqa: F811
    deal = await hybrid_deal(client, database_url, gateway)
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    transfer_faults("before", 400)  # e.g. the seller's account was closed
    assert (await deal.act(deal.buyer, "confirm")).stage == "rating"  # the deal does not wait
    return deal, f"deal:{deal.deal_id}:release:EUR"


async def test_a_refused_payout_is_sent_once_by_finance_whatever_stripe_does_on_the_way(
        client, database_url, gateway, sdk, transfer_faults, temporal):  # noqa: F811
    deal, key = await a_deal_whose_payout_stripe_refused(client, database_url, gateway, transfer_faults)
    assert timeline_kinds(database_url, deal.deal_id)[-2:] == ["completed", "payout_failed"]
    status, stripe_id, retries, _by, failure = payout_row(database_url, key)
    assert (status, stripe_id, retries) == ("failed", None, 0) and "Injected fault" in failure
    finance = a_staff_user(database_url, "finance").user_id

    transfer_faults("before", 400)
    refused = await retry(temporal, key, finance)
    assert not refused.succeeded and refused.message.startswith("Stripe refused it again")
    assert payout_row(database_url, key)[:4] == ("failed", None, 1, finance)

    # Stripe makes the transfer but its answer is lost: the activity's retry asks again under
    # the same key (`:retry-2`), so Stripe replays that transfer. Two clicks join one workflow.
    transfer_faults("after", 500)
    with ThreadPoolExecutor(2) as clicks:
        answers = list(clicks.map(temporal.retry_payout, [PayoutRetry(key, finance)] * 2))
    assert answers[0] == answers[1] and answers[0].succeeded and answers[0].stripe_id.startswith("tr_")
    assert payout_row(database_url, key)[:4] == ("succeeded", answers[0].stripe_id, 2, finance)

    again = await retry(temporal, key, finance)
    assert (again.succeeded, again.stripe_id) == (False, answers[0].stripe_id)
    assert "already been sent" in again.message
    assert stripe_objects(sdk, deal.deal_id) == {"charges": [60_00], "refunds": [], "transfers": [57_00]}
    (transfer,) = sdk.v1.transfers.list({"transfer_group": f"deal-{deal.deal_id}"}).data
    assert transfer.id == answers[0].stripe_id and transfer.metadata["key"] == key
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


async def test_a_seller_without_a_payout_account_stays_in_the_queue_with_the_reason(
        client, database_url, gateway, sdk, transfer_faults, temporal):  # noqa: F811
    deal, key = await a_deal_whose_payout_stripe_refused(client, database_url, gateway, transfer_faults)
    with unit_of_work(database_url) as session:
        stripe_account(session, deal.seller).payouts_enabled = False  # Stripe disabled the account
    finance = a_staff_user(database_url, "finance").user_id

    answer = await retry(temporal, key, finance)
    assert not answer.succeeded and "has not finished setting up Stripe payouts" in answer.message
    assert payout_row(database_url, key)[:3] == ("failed", None, 1)
    assert stripe_objects(sdk, deal.deal_id)["transfers"] == []
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


async def test_a_payout_the_log_lost_is_adopted_from_stripe_not_paid_again(
        client, database_url, gateway, sdk, temporal):  # noqa: F811
    deal = await hybrid_deal(client, database_url, gateway)
    for actor, action in ((deal.buyer, "fund"), (deal.seller, "deliver"), (deal.buyer, "confirm")):
        await deal.act(actor, action)
    key = f"deal:{deal.deal_id}:release:EUR"
    (sent,) = sdk.v1.transfers.list({"transfer_group": f"deal-{deal.deal_id}"}).data
    with unit_of_work(database_url) as session:  # the platform's log wrongly says Stripe refused it
        session.execute(update(StripeMovement).where(StripeMovement.key == key)
                        .values(status="failed", stripe_id=None, failure="lost"))

    answer = await retry(temporal, key, a_staff_user(database_url, "finance").user_id)
    assert (answer.succeeded, answer.stripe_id) == (True, sent.id) and "already sent it" in answer.message
    assert payout_row(database_url, key)[:3] == ("succeeded", sent.id, 1)
    assert stripe_objects(sdk, deal.deal_id)["transfers"] == [57_00]
