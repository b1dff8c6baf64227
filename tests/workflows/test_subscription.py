"""Subscriptions through the real worker, PostgreSQL and the local Stripe server over HTTP.

Periods last seconds here (the policy is part of the workflow's input), so a test sees a
renewal, a grace period and a downgrade in real time on the real dev server.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import requests
import stripe
from sqlalchemy import select
from temporalio.client import WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.worker import Replayer

from activities.subscriptions import SubscriptionSteps
from domain.fees import FeeRule
from domain.money import eur
from domain.plans import PRO, BillingPolicy, PeriodCharge, stamp
from integrations.db.app_models import Notification
from integrations.db.plans import charges_of, fee_rule_for, subscription_of
from integrations.db.session import unit_of_work
from integrations.stripe import StripeGateway, StripeUnavailable
from tests.workflows.driver import a_business
from workflows.names import (
    SUBSCRIPTION_CANCEL,
    SUBSCRIPTION_CHANGE_PLAN,
    SUBSCRIPTION_WORKFLOW,
    subscription_workflow_id,
)
from workflows.subscription import SubscriptionWorkflow
from workflows.subscription_messages import (
    CancelRequest,
    PlanChoice,
    SubscriptionInput,
    SubscriptionReply,
    SubscriptionResult,
)
from workflows.worker import WORKFLOW_RUNNER

pytestmark = pytest.mark.usefixtures("deal_worker")
PRO_FEES = FeeRule(250, 50)  # as migration 0007 seeds Pro
MONTHLY = BillingPolicy(retry_after_s=(60, 120))  # nothing renews during a test
# The last retry 3 s after the one before it, so the reminder halfway between them has room:
# the dev server may fire a sub-second timer about a second late.
FAST = BillingPolicy(period_s=3, retry_after_s=(1, 4))
DECLINED = "pm_card_chargeDeclined"


@pytest.fixture
def sdk(settings) -> stripe.StripeClient:
    return stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base},
                               max_network_retries=0)


@pytest.fixture
def steps(settings) -> SubscriptionSteps:
    return SubscriptionSteps(settings.database_url,
                             StripeGateway(settings.stripe_secret_key, settings.stripe_api_base, timeout=10))


@pytest.fixture
def faults(settings):
    url = f"{settings.stripe_api_base}/_config/faults"

    def inject(path_prefix: str, mode: str, status: int = 500, count: int = 1) -> None:
        requests.post(url, json={"path_prefix": path_prefix, "mode": mode, "status": status, "count": count},
                      timeout=5).raise_for_status()

    yield inject
    requests.delete(url, timeout=5).raise_for_status()


async def subscribe(client, business_id: int, card: str = "pm_card_visa",
                    policy: BillingPolicy = MONTHLY) -> tuple[SubscriptionReply, WorkflowHandle]:
    """As the web does: start the workflow with the `change_plan` Update, and wait for its answer."""
    start = WithStartWorkflowOperation(
        SUBSCRIPTION_WORKFLOW, SubscriptionInput(business_id, PRO, card, policy),
        id=subscription_workflow_id(business_id), task_queue="tradepact", result_type=SubscriptionResult,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
    reply = await client.execute_update_with_start_workflow(
        SUBSCRIPTION_CHANGE_PLAN, PlanChoice(PRO, card), start_workflow_operation=start,
        result_type=SubscriptionReply)
    return reply, await start.workflow_handle()


async def replays(handle: WorkflowHandle) -> None:
    """The run's history replays with the current code: the workflow is deterministic."""
    await Replayer(workflows=[SubscriptionWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(
        await handle.fetch_history())


def paid_in_stripe(sdk: stripe.StripeClient, business_id: int) -> list[int]:
    group = f"subscription-{business_id}"
    return [pi.amount for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
            if pi.transfer_group == group and pi.status == "succeeded"]


def notices(database_url: str, business_id: int) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(Notification.kind).where(Notification.business_id == business_id)
                                    .order_by(Notification.id)))


def fee_rule(database_url: str, business_id: int) -> FeeRule:
    with unit_of_work(database_url) as session:
        return fee_rule_for(session, business_id)


def charges(database_url: str, business_id: int) -> list[tuple[int, str]]:
    with unit_of_work(database_url) as session:
        return [(c.attempt, c.status) for c in reversed(charges_of(session, business_id))]


async def test_subscribing_to_pro_charges_the_card_once_and_lowers_the_commission(client, database_url, sdk):
    business = a_business(database_url)
    assert fee_rule(database_url, business) == FeeRule()  # Free: what every deal paid before plans

    reply, _handle = await subscribe(client, business)
    with pytest.raises(WorkflowUpdateFailedError) as again:  # a double click reaches the same subscription
        await subscribe(client, business)

    assert (reply.plan_code, reply.status) == ("pro", "active")
    assert again.value.cause.type == "already_done" and "already on Pro" in again.value.cause.message
    assert paid_in_stripe(sdk, business) == [29_00]
    assert fee_rule(database_url, business) == PRO_FEES
    with unit_of_work(database_url) as session:
        row = subscription_of(session, business)
    assert row.next_charge_at == row.current_period_end
    assert row.current_period_end.date() > dt.date.today()
    assert notices(database_url, business) == ["subscription_subscribed"]


async def test_a_first_card_that_is_declined_leaves_the_member_on_free(client, database_url, sdk):
    business = a_business(database_url)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await subscribe(client, business, card=DECLINED)
    assert refused.value.cause.type == "payment_declined"
    assert "the first payment failed" in refused.value.cause.message

    assert paid_in_stripe(sdk, business) == []
    assert charges(database_url, business) == [(1, "failed")]
    assert fee_rule(database_url, business) == FeeRule()
    reply, _ = await subscribe(client, business)  # another card, another try
    assert reply.status == "active" and paid_in_stripe(sdk, business) == [29_00]


async def test_a_declined_renewal_is_retried_over_the_grace_period_then_the_member_is_moved_to_free(
        client, database_url, sdk):
    business = a_business(database_url)
    _reply, handle = await subscribe(client, business, policy=FAST)
    changed = await handle.execute_update(SUBSCRIPTION_CHANGE_PLAN, PlanChoice(PRO, DECLINED),
                                          result_type=SubscriptionReply)
    assert changed.status == "active"

    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert result.status == "downgraded"
    assert charges(database_url, business) == [(1, "succeeded"), (1, "failed"), (2, "failed"), (3, "failed")]
    assert paid_in_stripe(sdk, business) == [29_00]
    assert notices(database_url, business) == ["subscription_subscribed"] + ["subscription_payment_failed"] * 2 + [
        "reminder", "subscription_payment_failed", "subscription_downgraded"]
    assert fee_rule(database_url, business) == FeeRule()
    with unit_of_work(database_url) as session:
        assert subscription_of(session, business).status == "downgraded"
    await replays(handle)


async def test_cancelling_keeps_pro_until_the_paid_period_ends(client, database_url, sdk):
    business = a_business(database_url)
    _reply, handle = await subscribe(client, business, policy=BillingPolicy(period_s=4, retry_after_s=(1,)))
    reply = await handle.execute_update(SUBSCRIPTION_CANCEL, CancelRequest(), result_type=SubscriptionReply)
    assert reply.cancel_at_period_end and reply.next_charge_at is None
    assert fee_rule(database_url, business) == PRO_FEES
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await handle.execute_update(SUBSCRIPTION_CANCEL, CancelRequest(), result_type=SubscriptionReply)
    assert twice.value.cause.type == "already_done"

    result = await asyncio.wait_for(handle.result(), timeout=30)

    assert result.status == "cancelled"
    assert paid_in_stripe(sdk, business) == [29_00]
    assert fee_rule(database_url, business) == FeeRule()
    assert notices(database_url, business)[-2:] == ["subscription_cancel_requested", "subscription_ended"]


async def test_each_period_is_a_new_run_so_the_history_stays_small(client, database_url, sdk):
    business = a_business(database_url)
    _reply, handle = await subscribe(client, business, policy=BillingPolicy(period_s=1, retry_after_s=(1,)))
    first_run = (await handle.describe()).run_id
    await asyncio.sleep(3.5)
    await handle.execute_update(SUBSCRIPTION_CANCEL, CancelRequest(), result_type=SubscriptionReply)
    await asyncio.wait_for(handle.result(), timeout=30)

    periods = len(paid_in_stripe(sdk, business))
    assert periods >= 3 and charges(database_url, business) == [(1, "succeeded")] * periods
    last_run = await handle.describe()
    assert last_run.run_id != first_run
    assert len((await handle.fetch_history()).events) < 60
    await replays(handle)


def a_charge(business_id: int, card: str = "pm_card_visa") -> PeriodCharge:
    start = dt.datetime.now(dt.UTC)
    return PeriodCharge(f"subscription:{business_id}:{stamp(start)}:attempt-1", business_id, PRO,
                        eur(29_00), 1, start, start + dt.timedelta(days=30), card)


def test_charging_the_same_attempt_twice_pays_once(database_url, steps, sdk):
    business = a_business(database_url)
    charge = a_charge(business)
    first, second = steps.charge(charge), steps.charge(charge)
    assert first == second and first.succeeded
    assert paid_in_stripe(sdk, business) == [29_00]


def test_a_charge_whose_answer_was_lost_is_retried_to_the_same_payment(database_url, steps, sdk, faults):
    business = a_business(database_url)
    charge = a_charge(business)
    steps._customer(business)  # created first, so the fault hits the payment
    faults("/v1/payment_intents", mode="after")  # Stripe charges the card, the answer is lost
    with pytest.raises(StripeUnavailable):
        steps.charge(charge)
    assert charges(database_url, business) == [(1, "pending")]

    retried = steps.charge(charge)  # Temporal's retry: the same key, Stripe replays its answer
    assert retried.succeeded and charges(database_url, business) == [(1, "succeeded")]
    assert paid_in_stripe(sdk, business) == [29_00]


def test_a_declined_attempt_is_stored_and_answered_not_raised(database_url, steps, sdk):
    business = a_business(database_url)
    outcome = steps.charge(a_charge(business, DECLINED))
    assert not outcome.succeeded and outcome.failure
    assert charges(database_url, business) == [(1, "failed")]
