"""The dispute's activities: record one dispute step, and load the arbitrator pool for a case.

Recording a step writes the dispute read model, the parties' notices (the mail outbox sends
them) and staff alerts in one transaction. Running it twice is safe: the step's (deal, seq)
timeline row is the marker that it already happened.
"""

from __future__ import annotations

from temporalio import activity

from integrations.db.dispute_read_model import (
    add_dispute_notices,
    arbitrator_pool,
    claim_dispute_step,
    save_case_records,
)
from integrations.db.session import unit_of_work
from workflows.dispute_messages import (
    ArbitratorPool,
    ArbitratorPoolRequest,
    DisputeStepReceipt,
    DisputeStepRecord,
)
from workflows.names import LOAD_ARBITRATORS_ACTIVITY, RECORD_DISPUTE_STEP_ACTIVITY


class DisputeSteps:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url

    @activity.defn(name=RECORD_DISPUTE_STEP_ACTIVITY)
    def record_step(self, record: DisputeStepRecord) -> DisputeStepReceipt:
        dispute, step = record.dispute, record.step
        with unit_of_work(self._database_url) as session:
            if not claim_dispute_step(session, dispute, step):
                return DisputeStepReceipt(dispute.deal_id, step.seq, replayed=True)
            save_case_records(session, dispute)
            add_dispute_notices(session, dispute, step)
        return DisputeStepReceipt(dispute.deal_id, step.seq, replayed=False)

    @activity.defn(name=LOAD_ARBITRATORS_ACTIVITY)
    def load_arbitrators(self, request: ArbitratorPoolRequest) -> ArbitratorPool:
        with unit_of_work(self._database_url) as session:
            arbitrators, parties = arbitrator_pool(session, request.buyer_id, request.seller_id)
        return ArbitratorPool(arbitrators, parties)
