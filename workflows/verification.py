"""VerificationWorkflow: one business's KYB case, from submission to an admin's decision.

The run is a wait with reminders: while the business owes an answer (more information was
asked) or the admins owe a decision, a durable timer reminds whoever is waited on, once per
wait. Every action is the `act` Update, whose validator applies the domain's rule, so a wrong
click is refused before anything is written. Each change is recorded (read model, notices,
the credit line on approval) before it is adopted. The run ends at approval or rejection; a
rejected business submits again into a fresh run of the same id.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import InvalidInput, TradepactError
    from domain.verification import Act, Verification, VerificationPolicy, VerificationStep
    from workflows.names import (
        RECORD_VERIFICATION_ACTIVITY,
        VERIFICATION_QUERY,
        VERIFICATION_UPDATE,
        VERIFICATION_WORKFLOW,
    )

    # The same retry (database away: again; a domain refusal: never) and refusal mapping.
    from workflows.subscription import STEP_RETRY, refusal
    from workflows.verification_messages import (
        VerificationCommand,
        VerificationInput,
        VerificationRecord,
        VerificationRecorded,
        VerificationReply,
        VerificationResult,
    )


@workflow.defn(name=VERIFICATION_WORKFLOW)
class VerificationWorkflow:
    @workflow.init
    def __init__(self, start: VerificationInput) -> None:
        self._case = Verification(start.business_id, policy=start.policy or VerificationPolicy())
        self._lock = asyncio.Lock()
        self._changes = 0

    @workflow.run
    async def run(self, start: VerificationInput) -> VerificationResult:
        while not self._case.finished:
            if await self._wait_for_change_or_reminder():
                continue
            async with self._lock:
                due = self._case.reminder_due_at()
                if due is not None and workflow.now() >= due:  # an action may have landed meanwhile
                    await self._record(self._case.remind(workflow.now()), None)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return VerificationResult(start.business_id, self._case.status.value)

    async def _wait_for_change_or_reminder(self) -> bool:
        """True when an Update changed the case; False when the reminder's time came."""
        seen, due = self._changes, self._case.reminder_due_at()
        timeout = None if due is None else max((due - workflow.now()).total_seconds(), 0.001)
        try:
            await workflow.wait_condition(lambda: self._changes != seen, timeout=timeout)
        except TimeoutError:
            return False
        return True

    async def _record(self, step: VerificationStep, user_id: int | None) -> None:
        """Persist the step (read model, notices, credit line; one transaction), then adopt it."""
        await workflow.execute_activity(
            RECORD_VERIFICATION_ACTIVITY, VerificationRecord(step, user_id, workflow.info().workflow_id),
            result_type=VerificationRecorded, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=STEP_RETRY)
        self._case = step.verification
        self._changes += 1

    @workflow.update(name=VERIFICATION_UPDATE)
    async def act(self, command: VerificationCommand) -> VerificationReply:
        async with self._lock:
            step = self._decide(command)  # again under the lock: another click may have landed
            await self._record(step, command.user_id)
        return VerificationReply(self._case.business_id, self._case.status.value, self._case.version, step.summary)

    @act.validator
    def validate_act(self, command: VerificationCommand) -> None:
        self._decide(command)

    @workflow.query(name=VERIFICATION_QUERY)
    def current(self) -> Verification:
        return self._case

    def _decide(self, command: VerificationCommand) -> VerificationStep:
        case, now = self._case, workflow.now()
        try:
            match command.act:
                case Act.SUBMIT:
                    if command.submission is None:
                        raise InvalidInput("the submission is missing", field="registration_number")
                    case.check(Act.SUBMIT, command.is_admin)
                    return case.submit(command.submission, now)
                case Act.APPROVE:
                    case.check(Act.APPROVE, command.is_admin)
                    return case.approve(command.user_id, now)
                case Act.REJECT:
                    case.check(Act.REJECT, command.is_admin)
                    return case.reject(command.user_id, command.reason, now)
                case Act.REQUEST_INFO:
                    case.check(Act.REQUEST_INFO, command.is_admin)
                    return case.request_info(command.user_id, command.reason, now)
        except TradepactError as error:
            raise refusal(error) from error
        raise ApplicationError(f"unknown action {command.act!r}", type="invalid_input", non_retryable=True)
