"""SubscriptionWorkflow: one member's paid plan, charged each period for as long as it lasts.

The run reads as the period's story: charge it (a failed charge is tried again over the grace
period, the member is warned once shortly before the last retry, then goes to Free), wait for
its end, and continue as new with the next period, so the history stays one period long
however many years the member stays. Sleeping is
a durable timer that a member's Update wakes early. The workflow holds the domain
`Subscription` and nothing else; every change is recorded (the subscription row, and notices
for the inbox and the mail outbox) before it is adopted, as deals do.

Opening is special: the first payment is made at once and the member who subscribes waits for
it (the `change_plan` Update sent with the start). A declined first card ends the run there:
nothing was ever paid, so there is no plan to keep during a grace period.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import ERRORS_BY_CODE, InvalidInput, InvalidTransition, PaymentDeclined, TradepactError
    from domain.plans import Change, NextStep, Plan, Subscription, open_subscription
    from workflows.names import (
        CHARGE_SUBSCRIPTION_ACTIVITY,
        LOAD_PLAN_ACTIVITY,
        RECORD_SUBSCRIPTION_ACTIVITY,
        SUBSCRIPTION_CANCEL,
        SUBSCRIPTION_CHANGE_PLAN,
        SUBSCRIPTION_QUERY,
        SUBSCRIPTION_WORKFLOW,
    )
    from workflows.subscription_messages import (
        CancelRequest,
        ChargeOutcome,
        PlanChoice,
        PlanLookup,
        SubscriptionInput,
        SubscriptionRecord,
        SubscriptionRecorded,
        SubscriptionReply,
        SubscriptionResult,
    )

# The database away is retried; a domain refusal (an unknown plan) never succeeds on retry.
STEP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                         non_retryable_error_types=list(ERRORS_BY_CODE))
# Stripe away is retried for as long as it takes, under the attempt's one idempotency key;
# a declined card comes back as an answer, not as an error.
CHARGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))
# Runs that began before the reminder existed sleep straight to the last retry.
LAST_RETRY_REMINDER_PATCH = "subscription-last-retry-reminder"
SUMMARIES = {"subscribed": "You are subscribed", "resumed": "Your plan continues",
             "plan_changed": "Your plan changes from the next period", "card_changed": "The new card is "
             "charged from the next payment", "cancel_requested": "Cancelled: your plan ends with the paid "
             "period", "ended": "Cancelled: you are on Free"}


def refusal(error: TradepactError) -> ApplicationError:
    """A domain error as the failure the web maps to 409/422, carrying the field if any."""
    return ApplicationError(error.message, getattr(error, "field", None), type=error.code, non_retryable=True)


@workflow.defn(name=SUBSCRIPTION_WORKFLOW)
class SubscriptionWorkflow:
    @workflow.init
    def __init__(self, start: SubscriptionInput) -> None:
        self._sub: Subscription | None = start.subscription
        self._opening = start.subscription is None  # this run opens the subscription
        self._opened = False  # the opening is over, paid or refused
        self._refused: TradepactError | None = None  # why the opening failed, if it did
        self._lock = asyncio.Lock()
        self._changes = 0

    @workflow.run
    async def run(self, start: SubscriptionInput) -> SubscriptionResult:
        if self._opening and not await self._open(start):
            await workflow.wait_condition(workflow.all_handlers_finished)
            assert self._refused is not None
            return SubscriptionResult(start.business_id, "not_started", self._refused.message)
        while self.subscription.is_live:
            step = await self._sleep_until_due()
            if step is NextStep.RENEW:
                await self._renew(start)
                continue
            async with self._lock:
                if self.subscription.step_due(workflow.now()) is step:  # a member may have acted meanwhile
                    await self._take(step)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return SubscriptionResult(start.business_id, self.subscription.status.value,
                                  f"{self.subscription.plan.name} ended: the business is on Free")

    @property
    def subscription(self) -> Subscription:
        assert self._sub is not None, "the subscription exists before any step or handler uses it"
        return self._sub

    @property
    def _still_opening(self) -> bool:
        return self._opening and not self._opened

    async def _open(self, start: SubscriptionInput) -> bool:
        async with self._lock:
            try:
                self._refused = await self._first_payment(start)
            except TradepactError as error:
                self._refused = error
            self._opened = True
        return self._refused is None

    async def _first_payment(self, start: SubscriptionInput) -> TradepactError | None:
        plan = await self._load_plan(start.plan_code)
        opening = open_subscription(start.business_id, plan, workflow.now(), start.payment_method, start.policy)
        self._sub = opening
        outcome = await self._attempt()
        if not outcome.succeeded:
            return PaymentDeclined(f"the first payment failed: {outcome.failure}")
        await self._record(opening.charged(workflow.now()))
        return None

    async def _sleep_until_due(self) -> NextStep:
        while (step := self.subscription.step_due(workflow.now())) is None:
            reminder_at = self._reminder_at()
            if reminder_at is not None and workflow.now() >= reminder_at:
                await self._remind()
                continue
            alarms = [at for at in (self.subscription.next_alarm_at(), reminder_at) if at is not None]
            await self._sleep_until(min(alarms, default=None))
        return step

    def _reminder_at(self) -> datetime | None:
        # Asked only while a reminder is pending, so runs that never need one carry no marker.
        at = self.subscription.last_retry_reminder_at
        return at if at is not None and workflow.patched(LAST_RETRY_REMINDER_PATCH) else None

    async def _remind(self) -> None:
        async with self._lock:
            # Decided again under the lock: the member may have cancelled meanwhile.
            if self.subscription.reminder_due(workflow.now()):
                await self._record(self.subscription.remind_last_retry(workflow.now()))

    async def _sleep_until(self, alarm_at: datetime | None) -> None:
        """A durable timer, woken early by any recorded change (a member's Update)."""
        seen = self._changes
        timeout = None if alarm_at is None else max((alarm_at - workflow.now()).total_seconds(), 0.001)
        try:
            await workflow.wait_condition(lambda: self._changes != seen, timeout=timeout)
        except TimeoutError:
            pass

    async def _take(self, step: NextStep) -> None:
        sub, now = self.subscription, workflow.now()
        match step:
            case NextStep.CHARGE:
                outcome = await self._attempt()
                now = workflow.now()
                await self._record(sub.charged(now) if outcome.succeeded else sub.charge_failed(outcome.failure, now))
            case NextStep.DOWNGRADE:
                await self._record(sub.downgrade(now))
            case NextStep.END:
                await self._record(sub.end(now))

    async def _renew(self, start: SubscriptionInput) -> None:
        """Continue as new with the next period, on its plan read now (an admin may have repriced
        it); unless a member's change landed meanwhile, which the loop then looks at again."""
        code = self.subscription.next_plan_code or self.subscription.plan.code
        plan = await self._load_plan(code)
        await workflow.wait_condition(workflow.all_handlers_finished)
        sub = self.subscription
        if sub.step_due(workflow.now()) is NextStep.RENEW and code == (sub.next_plan_code or sub.plan.code):
            workflow.continue_as_new(SubscriptionInput(start.business_id, start.plan_code, start.payment_method,
                                                       start.policy, sub.renewed(plan)))

    # ---- the activities -----------------------------------------------------------------
    async def _load_plan(self, code: str) -> Plan:
        try:
            return await workflow.execute_activity(
                LOAD_PLAN_ACTIVITY, PlanLookup(code), result_type=Plan,
                start_to_close_timeout=timedelta(seconds=30), retry_policy=STEP_RETRY)
        except ActivityError as failure:
            if isinstance(failure.cause, ApplicationError) and failure.cause.type in ERRORS_BY_CODE:
                raise InvalidInput(failure.cause.message, field="plan") from failure
            raise

    async def _attempt(self) -> ChargeOutcome:
        return await workflow.execute_activity(
            CHARGE_SUBSCRIPTION_ACTIVITY, self.subscription.charge(), result_type=ChargeOutcome,
            start_to_close_timeout=timedelta(seconds=60), retry_policy=CHARGE_RETRY)

    async def _record(self, change: Change) -> None:
        """Persist the change (row and notices, one transaction), then adopt it."""
        await workflow.execute_activity(
            RECORD_SUBSCRIPTION_ACTIVITY, SubscriptionRecord(change, workflow.now(), workflow.info().workflow_id),
            result_type=SubscriptionRecorded, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=STEP_RETRY)
        self._sub = change.subscription
        self._changes += 1

    # ---- what a member sends ------------------------------------------------------------
    @workflow.update(name=SUBSCRIPTION_CHANGE_PLAN)
    async def change_plan(self, choice: PlanChoice) -> SubscriptionReply:
        if self._still_opening:
            # The subscriber (or a double click of theirs) waits for the first payment's answer.
            await workflow.wait_condition(lambda: not self._still_opening)
            if self._refused is not None:
                raise refusal(self._refused)
            return self._reply(SUMMARIES["subscribed"])
        return await self._apply(lambda sub, now: sub.change_plan(choice.plan_code, choice.payment_method, now))

    @change_plan.validator
    def validate_change_plan(self, choice: PlanChoice) -> None:
        if not self._still_opening:
            self._decide(lambda sub, now: sub.change_plan(choice.plan_code, choice.payment_method, now))

    @workflow.update(name=SUBSCRIPTION_CANCEL)
    async def cancel(self, request: CancelRequest) -> SubscriptionReply:
        return await self._apply(lambda sub, now: sub.cancel(now))

    @cancel.validator
    def validate_cancel(self, request: CancelRequest) -> None:
        self._decide(lambda sub, now: sub.cancel(now))

    @workflow.query(name=SUBSCRIPTION_QUERY)
    def current(self) -> Subscription | None:
        return self._sub

    async def _apply(self, transition: Callable[[Subscription, datetime], Change]) -> SubscriptionReply:
        async with self._lock:
            # Decided again under the lock: a charge or another member's click may have landed.
            change = self._decide(transition)
            await self._record(change)
        return self._reply(SUMMARIES.get(change.event, change.event))

    def _decide(self, transition: Callable[[Subscription, datetime], Change]) -> Change:
        if self._still_opening:
            raise ApplicationError("the subscription is still being set up; try again", type="not_ready")
        if self._refused is not None:
            raise refusal(InvalidTransition("there is no paid plan to change: your business is on Free"))
        try:
            return transition(self.subscription, workflow.now())
        except TradepactError as error:
            raise refusal(error) from error

    def _reply(self, summary: str) -> SubscriptionReply:
        sub = self.subscription
        return SubscriptionReply(sub.business_id, sub.plan.code, sub.status.value, sub.cancel_at_period_end,
                                 sub.period_end, sub.next_charge_at, summary)
