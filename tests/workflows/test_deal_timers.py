"""Deal timers on Temporal's time-skipping test server: days pass in milliseconds."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.deal_steps import DealSteps
from integrations.db.app_models import Notification, ReviewRow
from integrations.db.reputation_models import ReputationRow
from integrations.db.session import unit_of_work
from tests.workflows.driver import balance, credit_terms, open_deal, timeline_kinds
from workflows.deal import DealWorkflow
from workflows.messages import ReviewInput
from workflows.worker import WORKFLOW_RUNNER

QUEUE = "deal-timers"


@pytest_asyncio.fixture(scope="module")
async def skipping(database_url):
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(server))
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace="default",
        search_attributes={"DealStage": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD},
    ))
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(env.client, task_queue=QUEUE, workflows=[DealWorkflow], workflow_runner=WORKFLOW_RUNNER,
                          activities=[DealSteps(database_url).record_step], activity_executor=executor):
            yield env
    await env.shutdown()


async def a_deal(env, database_url, **kwargs):
    now = await env.get_current_time()
    return await open_deal(env.client, database_url, task_queue=QUEUE,
                           terms=credit_terms(now=now, **kwargs))


def notice_kinds(database_url, deal_id):
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(Notification.kind).where(Notification.deal_id == deal_id)
                                    .order_by(Notification.id)))


async def test_an_unanswered_offer_expires_after_a_reminder(skipping, database_url):
    deal = await a_deal(skipping, database_url)

    await skipping.sleep(timedelta(days=7, hours=1))

    assert timeline_kinds(database_url, deal.deal_id) == ["offer_made", "reminder", "expired"]


async def test_an_unfunded_deal_is_cancelled_at_the_funding_deadline(skipping, database_url):
    deal = await a_deal(skipping, database_url)
    await deal.act(deal.seller, "accept")

    await skipping.sleep(timedelta(days=3, hours=1))

    assert timeline_kinds(database_url, deal.deal_id)[-1] == "cancelled"
    assert "reminder" in notice_kinds(database_url, deal.deal_id)


async def test_silence_during_inspection_accepts_the_delivery_and_pays_the_seller(skipping, database_url):
    deal = await a_deal(skipping, database_url, inspection_days=3)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")

    await skipping.sleep(timedelta(days=3, hours=1))

    assert timeline_kinds(database_url, deal.deal_id)[-2:] == ["reminder", "completed"]
    assert balance(database_url, deal.seller).posted == 95_00
    await skipping.sleep(timedelta(days=14))  # the rating window runs out with no reviews
    assert timeline_kinds(database_url, deal.deal_id)[-1] == "closed"


async def test_redelivery_restarts_the_inspection_window(skipping, database_url):
    deal = await a_deal(skipping, database_url, inspection_days=2)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    await skipping.sleep(timedelta(days=1, hours=12))
    await deal.act(deal.buyer, "request_changes", note="Wrong colour")
    await deal.act(deal.seller, "deliver")

    await skipping.sleep(timedelta(days=1, hours=12))  # 3 days since the first delivery
    assert timeline_kinds(database_url, deal.deal_id)[-1] != "completed"

    await skipping.sleep(timedelta(days=1))
    assert timeline_kinds(database_url, deal.deal_id)[-1] == "completed"


async def test_the_rating_window_reveals_a_lone_review_counts_it_and_refuses_a_late_one(skipping, database_url):
    deal = await a_deal(skipping, database_url)
    for actor, action in [(deal.seller, "accept"), (deal.buyer, "fund"), (deal.seller, "deliver"),
                          (deal.buyer, "confirm")]:
        await deal.act(actor, action)
    await deal.act(deal.buyer, "review", review=ReviewInput(4, 3, 5))

    await skipping.sleep(timedelta(days=14, hours=1))

    assert timeline_kinds(database_url, deal.deal_id)[-1] == "closed"
    with unit_of_work(database_url) as session:  # the timer's close counted the revealed review
        seller = session.get(ReputationRow, deal.seller)
        assert (seller.review_count, seller.quality, seller.timeliness, seller.completed_deals) == (1, 4.0, 3.0, 1)
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await deal.act(deal.seller, "review", review=ReviewInput(5, 5, 5))
    with unit_of_work(database_url) as session:
        assert session.scalar(select(func.count()).where(ReviewRow.deal_id == deal.deal_id)) == 1
