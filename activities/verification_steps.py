"""The verification's one activity: record a step (read model, timeline, notices to the business
and alerts to admins, and on approval the credit line) in one transaction, safe to run twice."""

from __future__ import annotations

from temporalio import activity

from integrations.db.session import unit_of_work
from integrations.db.verification_read_model import record_verification_step
from workflows.names import RECORD_VERIFICATION_ACTIVITY
from workflows.verification_messages import VerificationRecord, VerificationRecorded


class VerificationSteps:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url

    @activity.defn(name=RECORD_VERIFICATION_ACTIVITY)
    def record_step(self, record: VerificationRecord) -> VerificationRecorded:
        with unit_of_work(self._database_url) as session:
            record_verification_step(session, record.step, record.actor_user_id)
        return VerificationRecorded(record.step.key)
