"""Every dispute path on Temporal's time-skipping test server (days pass in milliseconds), with
the real activities: PostgreSQL for the ledger and read model, the local Stripe server for cash.
Each path ends with the ledger invariants checked and each side holding exactly what was ruled."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.cash import CashSteps
from activities.deal_steps import DealSteps
from activities.dispute_steps import DisputeSteps
from domain.dispute_stages import DisputeAction as A
from domain.dispute_stages import DisputeStage
from domain.rulings import Ruling, refund_share
from domain.stages import Stage
from integrations.stripe import StripeGateway
from tests.workflows.dispute_driver import DisputeDriver, an_arbitrator, assert_ledger_invariants, deal_stage
from tests.workflows.driver import balance, credit_terms, open_deal, timeline_kinds
from workflows.deal import DealWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.worker import WORKFLOW_RUNNER

QUEUE = "dispute-paths"
DAY = timedelta(days=1)


@pytest_asyncio.fixture(scope="module")
async def env(database_url, settings):
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(server))
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace="default", search_attributes={"DealStage": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD}))
    disputes = DisputeSteps(database_url)
    cash = CashSteps(database_url, StripeGateway.from_settings(settings))
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with Worker(env.client, task_queue=QUEUE, workflows=[DealWorkflow, DisputeWorkflow],
                          workflow_runner=WORKFLOW_RUNNER, activity_executor=executor,
                          activities=[DealSteps(database_url).record_step, cash.move_cash, disputes.record_step,
                                      disputes.load_arbitrators]):
            yield env
    await env.shutdown()


@pytest.fixture(scope="module")
def arbitrators(database_url):
    """Two arbitrators and two senior ones, so a case can be reassigned and an appeal heard."""
    return [an_arbitrator(database_url), an_arbitrator(database_url),
            an_arbitrator(database_url, senior=True), an_arbitrator(database_url, senior=True)]


async def disputed_credit_deal(env, database_url, price_minor=100_00):
    """A 100.00 CRD deal, delivered, disputed by the buyer."""
    now = await env.get_current_time()
    deal = await open_deal(env.client, database_url, task_queue=QUEUE, terms=credit_terms(price_minor, now=now))
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    dispute = DisputeDriver(env.client, deal)
    await dispute.open(deal.buyer)
    return deal, dispute


def ruled(*legs, reasons="The drafts miss two of the three criteria.") -> Ruling:
    return Ruling(tuple(legs), reasons)


async def to_awaiting_ruling(env, deal, dispute):
    await env.sleep(5 * DAY + timedelta(minutes=1))  # settlement talks end without agreement
    await dispute.act(deal.buyer, A.SUBMIT_EVIDENCE, statement="The logo is blurry at small sizes")
    await dispute.act(deal.seller, A.SUBMIT_EVIDENCE, statement="All three drafts were delivered")
    await env.sleep(7 * DAY + timedelta(minutes=1))  # evidence closes
    assert (await dispute.state()).stage is DisputeStage.AWAITING_RULING


async def test_a_settlement_offer_accepted_ends_the_dispute_and_is_executed(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    assert await deal_stage(database_url, deal.deal_id, Stage.DISPUTED) == "disputed"

    await dispute.act(deal.seller, A.OFFER_SETTLEMENT, ruling=ruled(refund_share("CRD", 3_000), reasons="30 % back"))
    await dispute.act(deal.buyer, A.ACCEPT_SETTLEMENT, offer_number=1)

    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    # 30.00 back to the buyer; 70.00 to the seller less the 5 % commission (3.50); no dispute fee.
    assert balance(database_url, deal.buyer).posted == -70_00
    assert balance(database_url, deal.seller).posted == 66_50
    assert_ledger_invariants(database_url, deal.deal_id)
    kinds = timeline_kinds(database_url, deal.deal_id)
    assert kinds[-2:] == ["dispute_opened", "ruling_executed"]
