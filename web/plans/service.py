"""The web's handle on subscription workflows: choose a plan (subscribe, resume, switch, change
card) and cancel. Shared by the plans page and the API.

It rides on the deal gateway's Temporal client and event-loop thread (one connection per
process) and keeps its deadlines, so Temporal away answers 503 "try again" like a deal action.
Subscribing waits for the first payment: Stripe's answer is what the member needs to see.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from flask import current_app
from temporalio.client import WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import InvalidInput, InvalidTransition
from domain.plans import BillingPolicy
from integrations.db.plans import plan_by_code
from integrations.temporal import CALL_TIMEOUT, TemporalGateway, TemporalUnavailable, refusal_from
from web.db import db
from web.deal_service import deal_service
from workflows.names import (
    SUBSCRIPTION_CANCEL,
    SUBSCRIPTION_CHANGE_PLAN,
    SUBSCRIPTION_WORKFLOW,
    subscription_workflow_id,
)
from workflows.subscription_messages import (
    CancelRequest,
    PlanChoice,
    SubscriptionInput,
    SubscriptionReply,
)

T = TypeVar("T")
EXTENSION = "tradepact.subscriptions"
SUBSCRIBE_TIMEOUT = 20.0  # a Stripe payment, with a retry or two if Stripe is slow


class SubscriptionService(Protocol):
    def choose_plan(self, business_id: int, choice: PlanChoice) -> SubscriptionReply: ...

    def cancel(self, business_id: int, request: CancelRequest) -> SubscriptionReply: ...


class TemporalSubscriptions:
    def __init__(self, gateway: TemporalGateway, policy: BillingPolicy | None = None) -> None:
        self._gateway = gateway
        self._policy = policy

    def choose_plan(self, business_id: int, choice: PlanChoice) -> SubscriptionReply:
        """Start the member's subscription with its first payment, or change the running one."""
        return self._gateway.call(self._choose_plan(business_id, choice), timeout=SUBSCRIBE_TIMEOUT)

    def cancel(self, business_id: int, request: CancelRequest) -> SubscriptionReply:
        return self._gateway.call(self._cancel(business_id, request))

    async def _choose_plan(self, business_id: int, choice: PlanChoice) -> SubscriptionReply:
        client = await self._gateway.connected()
        # Reuse policy: a business may subscribe again after an earlier subscription ended.
        start = WithStartWorkflowOperation(
            SUBSCRIPTION_WORKFLOW, SubscriptionInput(business_id, choice.plan_code, choice.payment_method,
                                                     self._policy),
            id=subscription_workflow_id(business_id), task_queue=self._gateway.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        try:
            return await _answer(client.execute_update_with_start_workflow(
                SUBSCRIPTION_CHANGE_PLAN, choice, start_workflow_operation=start, result_type=SubscriptionReply,
                rpc_timeout=timedelta(seconds=SUBSCRIBE_TIMEOUT)))
        finally:
            with contextlib.suppress(Exception):  # a failed start is answered above, not reported twice
                await asyncio.wait_for(start.workflow_handle(), timeout=0.01)

    async def _cancel(self, business_id: int, request: CancelRequest) -> SubscriptionReply:
        client = await self._gateway.connected()
        handle = client.get_workflow_handle(subscription_workflow_id(business_id))
        return await _answer(handle.execute_update(SUBSCRIPTION_CANCEL, request, result_type=SubscriptionReply,
                                                   rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))


async def _answer(call: Coroutine[Any, Any, T]) -> T:
    try:
        return await call
    except WorkflowUpdateFailedError as failure:
        raise refusal_from(failure.cause) from failure
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:  # no subscription running for this business
            raise InvalidTransition("there is no paid plan to cancel: your business is on Free") from error
        raise TemporalUnavailable("the subscription service did not answer; try again") from error
    except TimeoutError as error:
        raise TemporalUnavailable("the subscription service did not answer; try again") from error


def subscriptions() -> SubscriptionService:
    service = current_app.extensions.get(EXTENSION)
    if service is None:
        service = current_app.extensions[EXTENSION] = TemporalSubscriptions(deal_service())  # type: ignore[arg-type]
    return service


# ---- what the page and the API send ---------------------------------------------------------
def choose_plan(business_id: int, user_id: int, plan_code: str, payment_method: str) -> SubscriptionReply:
    """Check the plan is one to pay for, then subscribe (or change the running subscription)."""
    plan = plan_by_code(db(), plan_code)
    if plan is None:
        raise InvalidInput(f"there is no plan {plan_code!r}", field="plan")
    if not plan.is_paid:
        raise InvalidInput(f"{plan.name} is free: to move to it, cancel your subscription", field="plan")
    return subscriptions().choose_plan(business_id, PlanChoice(plan.code, payment_method, user_id))


def cancel_plan(business_id: int, user_id: int) -> SubscriptionReply:
    return subscriptions().cancel(business_id, CancelRequest(user_id))
