"""The web's door to matching and ring workflows, over the same one-loop Temporal client as deals.

Publishing a listing starts its incremental match (which may propose rings) and returns at
once: the listing is matched within seconds, and if the workflow service is down the hourly
full recompute matches it later. A business's answer to a ring is the ring's `answer` Update.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import InvalidTransition
from integrations.temporal import CALL_TIMEOUT, TemporalGateway, TemporalUnavailable
from workflows.names import MATCHING_WORKFLOW, RING_ANSWER, matching_workflow_id
from workflows.ring_messages import MatchRun, RingAnswer, RingReply


class RingGateway:
    def __init__(self, temporal: TemporalGateway) -> None:
        self._temporal = temporal

    def start_matching(self, listing_id: int | None = None) -> str:
        """Start matching (one listing, or everything); its workflow id. A run already going for
        the same listing (or a full recompute already running) is joined, not repeated."""
        return self._temporal.call(self._start_matching(listing_id))

    async def _start_matching(self, listing_id: int | None) -> str:
        client = await self._temporal.connected()
        workflow_id = matching_workflow_id(listing_id)
        try:
            await client.start_workflow(
                MATCHING_WORKFLOW, MatchRun(listing_id), id=workflow_id, task_queue=self._temporal.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE, rpc_timeout=timedelta(seconds=CALL_TIMEOUT))
        except RPCError as error:
            raise TemporalUnavailable("the matching service did not answer; try again") from error
        return workflow_id

    def answer(self, ring_key: str, answer: RingAnswer) -> RingReply:
        """Accept or decline; raises the ring's refusal, InvalidTransition for a ring that has
        ended, or TemporalUnavailable."""
        return self._temporal.call(self._answer(ring_key, answer))

    async def _answer(self, ring_key: str, answer: RingAnswer) -> RingReply:
        client = await self._temporal.connected()
        handle = client.get_workflow_handle(ring_key)
        try:
            return await self._temporal._guarded(handle.execute_update(
                RING_ANSWER, answer, result_type=RingReply, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))
        except TemporalUnavailable as error:
            cause = error.__cause__
            if isinstance(cause, RPCError) and "already completed" in cause.message:
                raise InvalidTransition("this ring has ended; it takes no more answers") from error
            if isinstance(cause, RPCError) and cause.status is RPCStatusCode.NOT_FOUND:
                # Proposed a moment ago: its workflow is being started.
                raise TemporalUnavailable("the ring is still being set up; try again") from error
            raise
