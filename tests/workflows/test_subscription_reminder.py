"""The reminder before a failed subscription's last retry, on Temporal's time-skipping test server.

Months and days of grace pass in milliseconds; charges go to the local Stripe server over HTTP.
Saved histories in `subscription_histories/` must keep replaying: `unreminded_*` were recorded by
the workflow before the reminder existed (the member's new card wakes the run between the reminder's
time and the last retry, which without `workflow.patched` would send a reminder the history lacks);
SAVE_SUBSCRIPTION_HISTORY=1 rewrites the others from the current code.
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
from domain.plans import DAY, PRO, BillingPolicy, day
from integrations.db.app_models import Notification
from integrations.db.session import unit_of_work
from integrations.stripe import StripeGateway
from tests.workflows.driver import a_business
from workflows.names import SUBSCRIPTION_CHANGE_PLAN, SUBSCRIPTION_WORKFLOW, subscription_workflow_id
from workflows.subscription import SubscriptionWorkflow
from workflows.subscription_messages import (
    PlanChoice,
    SubscriptionInput,
    SubscriptionReply,
    SubscriptionResult,
)
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


def notices(database_url: str, business_id: int) -> list:
    with unit_of_work(database_url) as session:
        return list(session.execute(
            select(Notification.kind, Notification.subject, Notification.body, Notification.created_at)
            .where(Notification.business_id == business_id).order_by(Notification.id)))


def save(name: str, history: WorkflowHistory) -> None:
    if os.environ.get("SAVE_SUBSCRIPTION_HISTORY"):
        HISTORY_DIR.mkdir(exist_ok=True)
        (HISTORY_DIR / f"{name}.json").write_text(history.to_json())


async def test_the_member_is_reminded_once_a_day_before_the_last_retry(skipping, database_url):
    business = a_business(database_url)
    handle = await subscribe(skipping, business)

    result = await handle.result()  # 30 days, then retries on days 1, 3 and 7 of the grace period

    assert result.status == "downgraded"
    sent = notices(database_url, business)
    assert [kind for kind, *_ in sent] == ["subscription_subscribed"] + ["subscription_payment_failed"] * 3 + [
        "reminder", "subscription_payment_failed", "subscription_downgraded"]
    reminder, last_failure = sent[4], sent[5]
    assert dt.timedelta(days=1) <= last_failure.created_at - reminder.created_at < dt.timedelta(days=1, minutes=1)
    assert reminder.subject == f"Last try to charge 29.00 EUR for Pro on {day(last_failure.created_at)}"
    assert "/plans" in reminder.body
    history = await handle.fetch_history()
    await REPLAYER.replay_workflow(history)
    save("reminded_then_downgraded", history)


async def test_no_reminder_when_the_retry_before_the_last_succeeds(skipping, database_url):
    business = a_business(database_url)
    handle = await subscribe(skipping, business)
    await skipping.sleep(dt.timedelta(days=31, hours=1))  # renewal and the first retry declined

    await handle.execute_update(SUBSCRIPTION_CHANGE_PLAN, PlanChoice(PRO, "pm_card_visa"),
                                result_type=SubscriptionReply)
    await skipping.sleep(dt.timedelta(days=8))  # past the second retry and the last one's date

    assert [kind for kind, *_ in notices(database_url, business)] == [
        "subscription_subscribed", "subscription_payment_failed", "subscription_payment_failed",
        "subscription_recovered"]
    await REPLAYER.replay_workflow(await handle.fetch_history())


async def test_a_card_chosen_after_the_reminder_pays_the_last_retry(skipping, database_url):
    business = a_business(database_url)
    handle = await subscribe(skipping, business)
    await skipping.sleep(dt.timedelta(days=36, hours=12))  # the reminder came at day 36, the last retry is at 37

    await handle.execute_update(SUBSCRIPTION_CHANGE_PLAN, PlanChoice(PRO, "pm_card_visa"),
                                result_type=SubscriptionReply)
    await skipping.sleep(dt.timedelta(days=1))

    assert [kind for kind, *_ in notices(database_url, business)] == [
        "subscription_subscribed"] + ["subscription_payment_failed"] * 3 + ["reminder", "subscription_recovered"]
    history = await handle.fetch_history()
    await REPLAYER.replay_workflow(history)
    save("card_changed_before_last_retry", history)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_subscription_histories_replay(path: Path):
    await REPLAYER.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
