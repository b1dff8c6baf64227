"""The web's door to verification workflows, over the same one-loop Temporal client as deals.

A submission starts the business's case if none runs (update-with-start), so a first
submission, an answer to a question and a resubmission after a rejection all take one call.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from domain.verification import Act
from integrations.temporal import CALL_TIMEOUT, TemporalGateway, TemporalUnavailable, _settle_start_operation
from workflows.names import VERIFICATION_UPDATE, VERIFICATION_WORKFLOW, verification_workflow_id
from workflows.verification_messages import VerificationCommand, VerificationInput, VerificationReply


class VerificationGateway:
    def __init__(self, temporal: TemporalGateway) -> None:
        self._temporal = temporal

    def act(self, business_id: int, command: VerificationCommand) -> VerificationReply:
        """Send the business's or an admin's action; raises the domain's refusal, or TemporalUnavailable."""
        return self._temporal.call(self._act(business_id, command))

    async def _act(self, business_id: int, command: VerificationCommand) -> VerificationReply:
        client = await self._temporal.connected()
        if command.act is Act.SUBMIT:
            # A rejected (closed) case is followed by a fresh run; a running one takes the answer.
            operation = WithStartWorkflowOperation(
                VERIFICATION_WORKFLOW, VerificationInput(business_id), id=verification_workflow_id(business_id),
                task_queue=self._temporal.task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
            try:
                return await self._temporal._guarded(client.execute_update_with_start_workflow(
                    VERIFICATION_UPDATE, command, start_workflow_operation=operation, result_type=VerificationReply,
                    rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))
            finally:
                await _settle_start_operation(operation)
        handle = client.get_workflow_handle(verification_workflow_id(business_id))
        try:
            return await self._temporal._guarded(handle.execute_update(
                VERIFICATION_UPDATE, command, result_type=VerificationReply,
                rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))
        except TemporalUnavailable as error:
            if isinstance(error.__cause__, RPCError) and error.__cause__.status is RPCStatusCode.NOT_FOUND:
                raise LookupError("no verification case runs for this business") from error
            raise
