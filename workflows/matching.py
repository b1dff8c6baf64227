"""MatchingWorkflow: match (everything, or one new listing), then put new barter rings to their
businesses, one RingWorkflow each.

Run hourly by a Schedule (full recompute), on demand by staff, and by the web each time a
listing is published (incremental: that listing only). A ring's workflow id is its key and
a key is never reused, so a ring is proposed once however many runs find it.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from workflows.names import (
        MATCH_LISTING_ACTIVITY,
        PROPOSE_RINGS_ACTIVITY,
        RECOMPUTE_MATCHES_ACTIVITY,
        RING_WORKFLOW,
    )
    from workflows.ring_messages import (
        MatchRun,
        MatchRunResult,
        MatchSummary,
        RingInput,
        RingProposals,
        ring_detection_run,
    )

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


@workflow.defn(name="MatchingWorkflow")
class MatchingWorkflow:
    @workflow.run
    async def run(self, run: MatchRun) -> MatchRunResult:
        step = RECOMPUTE_MATCHES_ACTIVITY if run.listing_id is None else MATCH_LISTING_ACTIVITY
        summary = await workflow.execute_activity(step, run, result_type=MatchSummary,
                                                  start_to_close_timeout=timedelta(minutes=5), retry_policy=RETRY)
        proposals = await workflow.execute_activity(PROPOSE_RINGS_ACTIVITY, ring_detection_run(run, summary),
                                                    result_type=RingProposals,
                                                    start_to_close_timeout=timedelta(minutes=2), retry_policy=RETRY)
        started = []
        for ring in proposals.rings:
            try:
                await workflow.start_child_workflow(
                    RING_WORKFLOW, RingInput(ring), id=ring.key,
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
            except WorkflowAlreadyStartedError:
                continue  # another run proposed it first
            started.append(ring.key)
        return MatchRunResult(summary.matches, tuple(started))
