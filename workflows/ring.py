"""RingWorkflow: one barter ring, from proposal to its three deals done.

    await self._collect_answers()   each business accepts or declines (the `answer` Update)
    await self._open_legs()         three deals, already agreed, as abandoned children
    await self._fund_together()     every leg's bond held, or none: compensation cancels them all
    await self._wait_for_legs()     each deal reports when its service is accepted

The domain `Ring` holds the rules; every step is recorded (read model + the businesses'
notices) through one activity before the ring adopts it, so a refused answer writes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import ERRORS_BY_CODE, TradepactError
    from domain.rings import Ring, RingStatus
    from workflows.messages import DealInput, DealReply
    from workflows.names import (
        DEAL_WORKFLOW,
        RECORD_RING_ACTIVITY,
        RING_ANSWER,
        RING_LEG_SIGNAL,
        RING_LEG_STEP_ACTIVITY,
        RING_QUERY,
        deal_workflow_id,
    )
    from workflows.ring_messages import (
        LegReached,
        RingAnswer,
        RingInput,
        RingLegCall,
        RingRecord,
        RingReply,
        RingResult,
    )

STEP_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                         non_retryable_error_types=list(ERRORS_BY_CODE))
NOTICES = {
    RingStatus.PROPOSED: "A three-business barter ring is proposed to you",
    RingStatus.DECLINED: "The barter ring was declined",
    RingStatus.EXPIRED: "The barter ring expired unanswered",
    RingStatus.FUNDING: "Everyone accepted the barter ring",
    RingStatus.FAILED: "The barter ring could not be funded; nothing was started",
    RingStatus.RUNNING: "The barter ring's deals have started",
    RingStatus.COMPLETED: "The barter ring is complete",
    RingStatus.BROKEN: "A deal of the barter ring ended without its service",
}


@workflow.defn(name="RingWorkflow")
class RingWorkflow:
    @workflow.init
    def __init__(self, start: RingInput) -> None:
        # Known from the start, so an answer arriving with the first task is validated against it.
        self._ring: Ring = start.ring
        self._version = 0  # 0 until the proposal is recorded (and its notices sent)
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, start: RingInput) -> RingResult:
        async with self._lock:
            await self._record(start.ring, NOTICES[RingStatus.PROPOSED])
        await self._collect_answers()
        if self.ring.status is RingStatus.FUNDING:
            await self._open_legs()
            if await self._fund_together():
                await workflow.wait_condition(lambda: self.ring.status is not RingStatus.RUNNING)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return RingResult(self.ring.key, self.ring.status.value)

    @property
    def ring(self) -> Ring:
        return self._ring

    async def _record(self, ring: Ring, notice: str | None = None) -> None:
        version = self._version + 1
        if notice is None:
            notice = NOTICES[ring.status] if ring.status is not self.ring.status else ""
        await workflow.execute_activity(RECORD_RING_ACTIVITY, RingRecord(ring, version, notice),
                                        start_to_close_timeout=timedelta(seconds=30), retry_policy=STEP_RETRY)
        self._ring, self._version = ring, version

    async def _collect_answers(self) -> None:
        wait = max((self.ring.answer_by - workflow.now()).total_seconds(), 0.001)
        try:
            await workflow.wait_condition(lambda: self.ring.status is not RingStatus.PROPOSED, timeout=wait)
        except TimeoutError:
            async with self._lock:
                if self.ring.status is RingStatus.PROPOSED:
                    await self._record(self.ring.expire())

    async def _open_legs(self) -> None:
        now = workflow.now()
        for index, leg in enumerate(self.ring.legs):
            start = DealInput(leg.deal_id, leg.buyer_id, leg.seller_id, leg.seller_id, self.ring.leg_terms(index, now))
            await workflow.start_child_workflow(DEAL_WORKFLOW, start, id=deal_workflow_id(leg.deal_id),
                                                parent_close_policy=workflow.ParentClosePolicy.ABANDON)

    async def _fund_together(self) -> bool:
        """Hold every leg's bond; if one is refused, cancel every leg (returning the bonds held)."""
        for leg in self.ring.legs:
            try:
                await self._leg_step(RingLegCall(leg.deal_id, "fund"))
            except ActivityError as failure:
                reason = _reason(failure)
                for each in self.ring.legs:
                    await self._leg_step(RingLegCall(each.deal_id, "cancel", reason))
                async with self._lock:
                    await self._record(self.ring.failed(reason))
                return False
        for leg in self.ring.legs:
            await self._leg_step(RingLegCall(leg.deal_id, "start"))
        async with self._lock:
            await self._record(self.ring.funded())
        return True

    async def _leg_step(self, call: RingLegCall) -> DealReply:
        return await workflow.execute_activity(RING_LEG_STEP_ACTIVITY, call, result_type=DealReply,
                                               start_to_close_timeout=timedelta(seconds=60), retry_policy=STEP_RETRY)

    # ---- the businesses' answers -------------------------------------------------------------
    @workflow.update(name=RING_ANSWER)
    async def answer(self, answer: RingAnswer) -> RingReply:
        await workflow.wait_condition(lambda: self._version > 0)  # the proposal is recorded first
        async with self._lock:
            ring = self._decide(answer)  # again under the lock: another answer may have landed
            await self._record(ring, notice=_answer_notice(self.ring, ring, answer))
        verb = "accepted" if answer.accept else "declined"
        return RingReply(ring.key, ring.status.value, ring.accepted_by, f"You {verb} the barter ring")

    @answer.validator
    def validate_answer(self, answer: RingAnswer) -> None:
        self._decide(answer)

    def _decide(self, answer: RingAnswer) -> Ring:
        try:
            if answer.accept:
                return self.ring.accept(answer.business_id, workflow.now())
            return self.ring.decline(answer.business_id, workflow.now(), answer.reason)
        except TradepactError as error:
            raise ApplicationError(error.message, None, type=error.code, non_retryable=True) from error

    # ---- the legs report -----------------------------------------------------------------------
    @workflow.signal(name=RING_LEG_SIGNAL)
    async def leg_reached(self, report: LegReached) -> None:
        async with self._lock:
            ring = self.ring.leg_reached(report.deal_id, report.stage)
            if ring != self.ring:
                await self._record(ring)

    @workflow.query(name=RING_QUERY)
    def current(self) -> Ring:
        return self.ring


def _answer_notice(before: Ring, after: Ring, answer: RingAnswer) -> str:
    if after.status is not before.status:
        return NOTICES[after.status]
    return "" if answer.accept else NOTICES[RingStatus.DECLINED]


def _reason(failure: ActivityError) -> str:
    cause = failure.cause
    message = cause.message if isinstance(cause, ApplicationError) else str(failure)
    return f"a bond could not be held ({message})"
