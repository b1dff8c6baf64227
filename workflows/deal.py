"""DealWorkflow: one durable workflow per deal, from offer to closed.

The workflow holds the domain `Deal` and nothing else. Every party action is the `act`
Update: its validator runs the domain rule (so a wrong click is refused before anything is
written) and its handler records the step through one activity, adopting the new state only
when that succeeded. Timers are not separate coroutines: the run loop sleeps until the
deal's next alarm or until a party acts, then asks the domain what is due.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ChildWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from domain.cash import CashKind, CashMovement, CashReceipt
    from domain.deal import Deal, Outcome, start_deal
    from domain.dispute_policy import DisputePolicy
    from domain.disputes import Dispute
    from domain.errors import ERRORS_BY_CODE, TradepactError
    from domain.reviews import Review
    from domain.ring_legs import start_ring_leg
    from domain.stages import Action, Stage
    from workflows.dispute_messages import DisputeInput, DisputeResult, DisputeStepRecord, OpenDispute
    from workflows.messages import (
        CashCall,
        DealCommand,
        DealInput,
        DealReply,
        DealResult,
        StepRecord,
        StripeEventSignal,
    )
    from workflows.names import (
        DEAL_OPEN_DISPUTE,
        DEAL_OPENED,
        DEAL_QUERY,
        DEAL_RING_STEP,
        DEAL_STAGE,
        DEAL_STRIPE_SIGNAL,
        DEAL_UPDATE,
        DISPUTE_WORKFLOW,
        MOVE_CASH_ACTIVITY,
        RECORD_DISPUTE_STEP_ACTIVITY,
        RECORD_STEP_ACTIVITY,
        RING_LEG_SIGNAL,
        dispute_workflow_id,
    )
    from workflows.ring_messages import LegReached, RingLegCall

# What a ring's leg reports to its ring: its service accepted, or the deal over without it.
RING_REPORTS = frozenset({Stage.RATING, Stage.CLOSED, Stage.CANCELLED, Stage.DECLINED, Stage.EXPIRED})

# Since this patch a deal upserts DealStage only when the stage moves and keeps its alarm timer
# while the alarm's time stands (fewer history events and server writes per step).
LEAN_COMMANDS_PATCH = "deal-stage-on-change-kept-alarm"

# Domain refusals never succeed on retry; anything else (database down) is retried.
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=list(ERRORS_BY_CODE),
)
# Stripe down or slow is retried for as long as it takes (with the same idempotency key);
# a declined card or a refused payout comes back at once.
CASH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=[*ERRORS_BY_CODE, "stripe_rejected"],
)


def domain_refusal(failure: ActivityError) -> ApplicationError | None:
    """A step refused by a domain rule, as the refusal the caller answers with (409/422)."""
    cause = failure.cause
    if isinstance(cause, ApplicationError) and cause.type in ERRORS_BY_CODE:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return None


def refusal(error: TradepactError) -> ApplicationError:
    """A domain error as the failure the web maps to 409/422, carrying the field if any."""
    return ApplicationError(
        error.message, getattr(error, "field", None), type=error.code, non_retryable=True
    )


@workflow.defn(name="DealWorkflow")
class DealWorkflow:
    def __init__(self) -> None:
        self._deal: Deal | None = None
        self._lock = asyncio.Lock()
        self._changes = 0
        self._charge_attempts = 0
        self._stripe_events: set[str] = set()
        self._dispute_policy: DisputePolicy | None = None
        self._dispute: Dispute | None = None  # the deal's dispute, once opened (at most one)
        self._dispute_child: ChildWorkflowHandle | None = None  # while it runs
        # The one alarm timer, kept across steps while its time stands (`_sleep_on_kept_alarm`).
        self._alarm: asyncio.Future[None] | None = None
        self._alarm_at: datetime | None = None
        self._lean_commands = False

    @workflow.run
    async def run(self, start: DealInput) -> DealResult:
        # Deals started before this patch upserted DealStage and restarted the alarm timer at
        # every step; their histories must replay with those commands. A deal whose input asks
        # for the lean commands never calls `patched`: the call costs a marker and an upsert of
        # TemporalChangeVersion (two events and a visibility write) in every deal's first task,
        # and its input, fixed in the history, chooses the same way on every replay.
        self._lean_commands = start.lean_commands or workflow.patched(LEAN_COMMANDS_PATCH)
        try:
            opening = self._open(start)
        except TradepactError as error:
            raise refusal(error) from error
        self._dispute_policy = start.dispute_policy
        async with self._lock:
            await self._record(opening)
        while not self.deal.is_final:
            await self._sleep_until_next_alarm()
            async with self._lock:
                while (outcome := self.deal.on_clock(workflow.now())) is not None:
                    await self._record(outcome)
            if self._dispute_child is not None:  # set under the lock by `open_dispute`
                await self._conclude_dispute()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return DealResult(self.deal.deal_id, self.deal.stage, self.deal.version)

    @staticmethod
    def _open(start: DealInput) -> Outcome:
        if start.terms.ring_id:  # a barter ring's leg: agreed by the ring, which funds it
            return start_ring_leg(start.deal_id, start.buyer_id, start.seller_id, start.terms, workflow.now(),
                                  policy=start.policy, fee_rule=start.fee_rule)
        return start_deal(start.deal_id, start.buyer_id, start.seller_id, start.proposer_id, start.terms,
                          workflow.now(), policy=start.policy, fee_rule=start.fee_rule)

    @property
    def deal(self) -> Deal:
        assert self._deal is not None, "the deal is recorded before any handler runs"
        return self._deal

    async def _sleep_until_next_alarm(self) -> None:
        if self._lean_commands:
            await self._sleep_on_kept_alarm()
            return
        seen = self._changes
        alarm_at = self.deal.next_alarm_at()
        timeout = None
        if alarm_at is not None:
            timeout = max((alarm_at - workflow.now()).total_seconds(), 0.001)
        try:
            await workflow.wait_condition(lambda: self._changes != seen, timeout=timeout)
        except TimeoutError:
            pass

    async def _sleep_on_kept_alarm(self) -> None:
        """Sleep until a party acts or the alarm rings, keeping the timer while its time stands.

        Each timer started or cancelled is a history event and timer-queue work on the server,
        and most steps do move the alarm; a step that leaves it where it was (the first of the
        two reviews, for one) need not touch the timer.
        """
        seen = self._changes
        alarm_at = self.deal.next_alarm_at()
        if alarm_at != self._alarm_at or self._alarm is None or self._alarm.done():
            if self._alarm is not None and not self._alarm.done():
                self._alarm.cancel()
            self._alarm, self._alarm_at = None, alarm_at
            if alarm_at is not None:
                delay = max((alarm_at - workflow.now()).total_seconds(), 0.001)
                self._alarm = asyncio.ensure_future(workflow.sleep(delay))
        alarm = self._alarm
        await workflow.wait_condition(lambda: self._changes != seen or (alarm is not None and alarm.done()))
        if self._dispute_child is not None and alarm is not None and not alarm.done():
            # The deal's clock stops while its dispute runs; the alarm is set again after.
            alarm.cancel()
            self._alarm, self._alarm_at = None, None

    async def _record(self, outcome: Outcome) -> None:
        """Persist the step (ledger, read model, notices in one transaction), then adopt it.

        A local activity: the step is one short database transaction, so running it inside the
        workflow task saves the server a task round trip per step (the server is the bottleneck
        on small machines) and lets an Update answer within one workflow task. It is
        idempotent, so a re-run after a worker crash changes nothing.
        """
        refused: list[tuple[CashMovement, str]] = []
        for movement in outcome.step.cash:
            try:
                await self._move_cash(CashCall(movement))
            except ApplicationError as refusal_:
                # Money already owed to someone must not hold the deal hostage: the movement
                # stays `failed` in stripe_movements, which is finance's retry queue.
                if movement.kind is CashKind.CHARGE:
                    raise
                refused.append((movement, refusal_.message))
        try:
            await workflow.execute_local_activity(
                RECORD_STEP_ACTIVITY,
                StepRecord(outcome.deal, outcome.step),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=STEP_RETRY,
            )
        except ActivityError as failure:
            if (refused := domain_refusal(failure)) is not None:
                raise refused from failure
            raise
        before = self._deal.stage if self._deal is not None else None
        self._deal = outcome.deal
        self._changes += 1
        stage = outcome.deal.stage.value
        # An upsert is a visibility write on the server: only when the stage moves (the web
        # starts a deal with DealStage already set to its opening stage).
        if not self._lean_commands or workflow.info().typed_search_attributes.get(DEAL_STAGE) != stage:
            workflow.upsert_search_attributes([DEAL_STAGE.value_set(stage)])
        if outcome.deal.terms.ring_id and outcome.deal.stage is not before and outcome.deal.stage in RING_REPORTS:
            await self._tell_ring(outcome.deal)
        for movement, reason in refused:
            await self._record(self.deal.cash_failed(movement, reason, workflow.now()))

    @staticmethod
    async def _tell_ring(deal: Deal) -> None:
        """A ring's leg tells its ring when its service is accepted or it ended without it.
        Only ring legs (new since rings) ever send this, so older deals' histories replay."""
        assert deal.terms.ring_id is not None
        try:
            await workflow.get_external_workflow_handle(deal.terms.ring_id).signal(
                RING_LEG_SIGNAL, LegReached(deal.deal_id, deal.stage.value))
        except Exception:  # noqa: BLE001 — a ring that already ended has nothing left to learn
            workflow.logger.info("ring %s no longer listens", deal.terms.ring_id)

    async def _move_cash(self, call: CashCall) -> CashReceipt:
        """One Stripe call, before the step that depends on it is recorded (see activities/cash.py)."""
        try:
            return await workflow.execute_activity(
                MOVE_CASH_ACTIVITY, call, result_type=CashReceipt,
                start_to_close_timeout=timedelta(seconds=60), retry_policy=CASH_RETRY,
            )
        except ActivityError as failure:
            cause = failure.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                raise ApplicationError(cause.message, type=cause.type, non_retryable=True) from failure
            raise

    async def _charge(self, charges: tuple[CashMovement, ...], payment_method: str) -> tuple[CashReceipt, ...]:
        receipts = []
        for charge in charges:
            # A declined card may be tried again; each attempt is its own Stripe payment.
            self._charge_attempts += 1
            receipts.append(await self._move_cash(CashCall(charge, payment_method, self._charge_attempts)))
        return tuple(receipts)

    @workflow.update(name=DEAL_OPENED)
    async def opened(self) -> DealReply:
        """Answers once the offer is recorded: the web starts a deal with this update."""
        await workflow.wait_condition(lambda: self._deal is not None)
        return DealReply(self.deal.deal_id, self.deal.stage, self.deal.version, "Offer made")

    # ---- the one Update every party action goes through ---------------------------------
    @workflow.update(name=DEAL_UPDATE)
    async def act(self, command: DealCommand) -> DealReply:
        async with self._lock:
            # Checked again under the lock: another action may have landed since validation.
            outcome = self._decide(command)
            if outcome is not None:
                await self._record(outcome)
            if command.action is Action.FUND and (charges := self.deal.cash_owed(command.actor_business_id)):
                receipts = await self._charge(charges, command.payment_method)
                outcome = self._decide(command, receipts)
                assert outcome is not None
                await self._record(outcome)
        assert outcome is not None
        return DealReply(self.deal.deal_id, self.deal.stage, self.deal.version, outcome.step.summary)

    @act.validator
    def validate_act(self, command: DealCommand) -> None:
        self._decide(command)

    def _decide(self, command: DealCommand, receipts: tuple[CashReceipt, ...] = ()) -> Outcome | None:
        if self._deal is None:
            raise ApplicationError("the deal is still being set up; try again", type="not_ready")
        try:
            return self._transition(command, receipts)
        except TradepactError as error:
            raise refusal(error) from error

    def _transition(self, command: DealCommand, receipts: tuple[CashReceipt, ...]) -> Outcome | None:
        deal, actor, now = self.deal, command.actor_business_id, workflow.now()
        match command.action:
            case Action.COUNTER:
                if command.terms is None:
                    raise ApplicationError("a counter-offer carries terms", type="invalid_input")
                return deal.counter(actor, command.terms, now)
            case Action.ACCEPT:
                return deal.accept(actor, now)
            case Action.DECLINE:
                return deal.decline(actor, now, command.note)
            case Action.WITHDRAW:
                return deal.withdraw(actor, now)
            case Action.FUND:
                if receipts or deal.credits_owed(actor) or not deal.cash_owed(actor):
                    return deal.fund(actor, now, receipts)
                deal.check(Action.FUND, actor, now)
                return None  # only cards to charge: the handler does that first
            case Action.CANCEL:
                return deal.cancel(actor, now, command.note)
            case Action.EXTEND_DELIVERY:
                if command.new_delivery_due_at is None:
                    raise ApplicationError("give the new delivery date", "new_delivery_due_at",
                                           type="invalid_input")
                return deal.extend_delivery(actor, command.new_delivery_due_at, now)
            case Action.DELIVER:
                return deal.deliver(actor, now, command.note)
            case Action.CONFIRM:
                return deal.confirm(actor, now)
            case Action.REQUEST_CHANGES:
                return deal.request_changes(actor, now, command.note)
            case Action.REVIEW:
                if command.review is None:
                    raise ApplicationError("a review carries scores", "review", type="invalid_input")
                r = command.review
                review = Review(actor, deal.other_party(actor), r.quality, r.timeliness,
                                r.communication, r.comment, now)
                return deal.review(actor, review, now)
        raise ApplicationError(f"unknown action {command.action}", type="invalid_input")

    # ---- a barter ring's leg: its ring funds, starts or cancels it ------------------------------
    @workflow.update(name=DEAL_RING_STEP)
    async def ring_step(self, call: RingLegCall) -> DealReply:
        await workflow.wait_condition(lambda: self._deal is not None)
        async with self._lock:
            outcome = self._decide_ring_step(call)
            if outcome is not None:
                await self._record(outcome)
        summary = outcome.step.summary if outcome is not None else f"already done: {call.step}"
        return DealReply(self.deal.deal_id, self.deal.stage, self.deal.version, summary)

    @ring_step.validator
    def validate_ring_step(self, call: RingLegCall) -> None:
        if self._deal is not None:  # else the handler waits for the opening step
            self._decide_ring_step(call)

    def _decide_ring_step(self, call: RingLegCall) -> Outcome | None:
        try:
            return self.deal.ring_step(call.step, workflow.now(), call.reason)
        except TradepactError as error:
            raise refusal(error) from error

    # ---- a dispute: the deal stops, a child workflow decides, the deal executes ----------------
    @workflow.update(name=DEAL_OPEN_DISPUTE)
    async def open_dispute(self, request: OpenDispute) -> DealReply:
        async with self._lock:
            outcome, opened = self._decide_dispute(request)
            await self._record(outcome)
            # The case is in the read model before the party hears back (the child's own record of
            # this step is then a no-op): the web shows the dispute page right away.
            await workflow.execute_local_activity(
                RECORD_DISPUTE_STEP_ACTIVITY, DisputeStepRecord(opened.dispute, opened.step),
                start_to_close_timeout=timedelta(seconds=30), retry_policy=STEP_RETRY)
            self._dispute = opened.dispute
            self._dispute_child = await workflow.start_child_workflow(
                DISPUTE_WORKFLOW, DisputeInput(opened.dispute, opened.step),
                id=dispute_workflow_id(self.deal.deal_id), task_queue=workflow.info().task_queue,
                result_type=DisputeResult)
            self._changes += 1  # wake the run loop: it now waits for the dispute's end
        return DealReply(self.deal.deal_id, self.deal.stage, self.deal.version, outcome.step.summary)

    @open_dispute.validator
    def validate_open_dispute(self, request: OpenDispute) -> None:
        self._decide_dispute(request)

    def _decide_dispute(self, request: OpenDispute):
        if self._deal is None:
            raise ApplicationError("the deal is still being set up; try again", type="not_ready")
        try:
            return self.deal.open_dispute(request.actor_business_id, request.reason, request.details,
                                          request.asked_for, workflow.now(), self._dispute_policy, self._dispute)
        except TradepactError as error:
            raise refusal(error) from error

    async def _conclude_dispute(self) -> None:
        """Wait for the dispute's end, then execute its ruling (or resume, if withdrawn)."""
        assert self._dispute_child is not None
        result: DisputeResult = await self._dispute_child
        self._dispute_child = None
        async with self._lock:
            now = workflow.now()
            if result.ruling is None:
                outcome = self.deal.dispute_withdrawn(now, result.summary)
            else:
                outcome = self.deal.execute_ruling(result.ruling, result.fee_charges + result.appeal_fee_kept,
                                                   now, result.summary)
            await self._record(outcome)
            if self.deal.fees_due:
                try:
                    await self._record(self.deal.collect_dispute_fees(now))
                except ApplicationError as refused:
                    await self._record(self.deal.dispute_fees_refused(now, refused.message))

    @workflow.signal(name=DEAL_STRIPE_SIGNAL)
    async def stripe_event(self, event: StripeEventSignal) -> None:
        """Stripe delivers events at least once: each event id changes the deal at most once."""
        if event.event_id in self._stripe_events:
            return
        self._stripe_events.add(event.event_id)
        await workflow.wait_condition(lambda: self._deal is not None)
        async with self._lock:
            outcome = self.deal.stripe_reported(event.movement_key, event.kind, event.status, workflow.now())
            if outcome is not None:
                await self._record(outcome)

    @workflow.query(name=DEAL_QUERY)
    def current(self) -> Deal:
        return self.deal
