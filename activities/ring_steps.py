"""The ring's activities: record a step of the ring (read model and the three businesses'
notices, one transaction, safe to run twice), and take the ring's step on one of its deals.

A workflow cannot send an Update to another workflow, so the ring funds, starts and cancels
its legs through this activity, which sends the deal's `ring_step` Update. The deal answers
a repeated step with what it already did, so a retried call changes nothing; a refusal (a
bond the provider's credit cannot cover) comes back at once, not retried.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from integrations.db.ring_read_model import notify_ring, save_ring
from integrations.db.session import unit_of_work
from workflows.messages import DealReply
from workflows.names import DEAL_RING_STEP, RECORD_RING_ACTIVITY, RING_LEG_STEP_ACTIVITY, deal_workflow_id
from workflows.ring_messages import RingLegCall, RingRecord


class RingSteps:
    def __init__(self, database_url: str, client: Client) -> None:
        self._database_url = database_url
        self._client = client

    @activity.defn(name=RECORD_RING_ACTIVITY)
    def record(self, record: RingRecord) -> int:
        now = dt.datetime.now(dt.UTC)
        with unit_of_work(self._database_url) as session:
            if save_ring(session, record.ring, record.version, now) and record.notice:
                notify_ring(session, record.ring, record.version, record.notice, now)
        return record.version

    @activity.defn(name=RING_LEG_STEP_ACTIVITY)
    async def leg_step(self, call: RingLegCall) -> DealReply:
        handle = self._client.get_workflow_handle(deal_workflow_id(call.deal_id))
        try:
            return await handle.execute_update(DEAL_RING_STEP, call, result_type=DealReply,
                                               rpc_timeout=timedelta(seconds=30))
        except WorkflowUpdateFailedError as failure:
            cause = failure.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                raise ApplicationError(cause.message, type=cause.type, non_retryable=True) from failure
            raise
