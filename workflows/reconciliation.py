"""ReconciliationWorkflow: the ledger's cash against Stripe for a period, on demand or nightly
(a Temporal Schedule starts it with no period: the 24 hours before it runs)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.messages import ReconciliationJob, ReconciliationReport, ReconciliationRequest
    from workflows.names import RECONCILE_ACTIVITY, RECONCILIATION_WORKFLOW


@workflow.defn(name=RECONCILIATION_WORKFLOW)
class ReconciliationWorkflow:
    @workflow.run
    async def run(self, request: ReconciliationRequest) -> ReconciliationReport:
        end = request.period_end or workflow.now()
        start = request.period_start or end - timedelta(days=1)
        job = ReconciliationJob(workflow.info().workflow_id, start, end, request.requested_by)
        return await workflow.execute_activity(
            RECONCILE_ACTIVITY, job, result_type=ReconciliationReport,
            start_to_close_timeout=timedelta(minutes=30), heartbeat_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)))
