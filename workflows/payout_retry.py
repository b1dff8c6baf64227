"""PayoutRetryWorkflow: finance sends a payout Stripe refused again, from its queue.

A workflow (not a web call) because Stripe is reached only from activities, with their
retries when Stripe is down; its id is derived from the payout, so two clicks are one retry.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.messages import PayoutRetried, PayoutRetry
    from workflows.names import PAYOUT_RETRY_WORKFLOW, RETRY_PAYOUT_ACTIVITY

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                    maximum_attempts=10)


@workflow.defn(name=PAYOUT_RETRY_WORKFLOW)
class PayoutRetryWorkflow:
    @workflow.run
    async def run(self, retry: PayoutRetry) -> PayoutRetried:
        return await workflow.execute_activity(
            RETRY_PAYOUT_ACTIVITY, retry, result_type=PayoutRetried,
            start_to_close_timeout=timedelta(seconds=60), retry_policy=RETRY)
