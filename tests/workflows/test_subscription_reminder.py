"""The reminder before a failed subscription's last retry, on Temporal's time-skipping test server.

Months and days of grace pass in milliseconds; charges go to the local Stripe server over HTTP.
Histories from before the reminder existed are kept in `subscription_histories/` and must keep
replaying (the reminder is behind `workflow.patched`). SAVE_SUBSCRIPTION_HISTORY=1 rewrites them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.subscriptions import SubscriptionSteps
from domain.plans import DAY, PRO, BillingPolicy
from integrations.db.app_models import Notification
from integrations.db.session import unit_of_work
from integrations.stripe import StripeGateway
from tests.workflows.driver import a_business
from workflows.names import SUBSCRIPTION_CHANGE_PLAN, SUBSCRIPTION_WORKFLOW, subscription_workflow_id
from workflows.subscription import SubscriptionWorkflow
from workflows.subscription_messages import PlanChoice, SubscriptionInput, SubscriptionReply, SubscriptionResult
from workflows.worker import WORKFLOW_RUNNER

QUEUE = "subscription-reminder"
# Renewal a month after subscribing; retries 1, 3 and 7 days after the due date, as in production.
POLICY = BillingPolicy(period_s=30 * DAY)
DECLINED = "pm_card_chargeDeclined"
HISTORY_DIR = Path(__file__).parent / "subscription_histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
REPLAYER = Replayer(workflows=[SubscriptionWorkflow], workflow_runner=WORKFLOW_RUNNER)


@pytest_asyncio.fixture(scope="module")
async def skipping(settings):
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(server))
    steps = SubscriptionSteps(settings.database_url,
                              StripeGateway(settings.stripe_secret_key, settings.stripe_api_base, timeout=10))
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(env.client, task_queue=QUEUE, workflows=[SubscriptionWorkflow],
                          workflow_runner=WORKFLOW_RUNNER, activity_executor=executor,
                          activities=[steps.load_plan, steps.charge, steps.record]):
            yield env
    await env.shutdown()


async def subscribe(env, business_id: int):
    """Subscribe to Pro, paying the first month, then switch to a card that is declined."""
    handle = await env.client.start_workflow(
        SUBSCRIPTION_WORKFLOW, SubscriptionInput(business_id, PRO, "pm_card_visa", POLICY),
        id=subscription_workflow_id(business_id), task_queue=QUEUE, result_type=SubscriptionResult)
    await handle.execute_update(SUBSCRIPTION_CHANGE_PLAN, PlanChoice(PRO, "pm_card_visa"),
                                result_type=SubscriptionReply)
    await handle.execute_update(SUBSCRIPTION_CHANGE_PLAN, PlanChoice(PRO, DECLINED), result_type=SubscriptionReply)
    return handle


def notices(database_url: str, business_id: int) -> list[tuple[str, str, str]]:
    with unit_of_work(database_url) as session:
        return [tuple(row) for row in session.execute(
            select(Notification.kind, Notification.subject, Notification.body)
            .where(Notification.business_id == business_id).order_by(Notification.id))]


def save(name: str, history: WorkflowHistory) -> None:
    if os.environ.get("SAVE_SUBSCRIPTION_HISTORY"):
        HISTORY_DIR.mkdir(exist_ok=True)
        (HISTORY_DIR / f"{name}.json").write_text(history.to_json())


async def test_a_history_of_declined_retries_is_saved_for_replay(skipping, database_url):
    business = a_business(database_url)
    handle = await subscribe(skipping, business)

    result = await handle.result()

    assert result.status == "downgraded"
    history = await handle.fetch_history()
    await REPLAYER.replay_workflow(history)
    save("declined_then_downgraded", history)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_subscription_histories_replay(path: Path):
    await REPLAYER.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
