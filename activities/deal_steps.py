"""The one activity per deal step: ledger, read model and notices in one transaction.

Grouping a step's writes keeps a deal to a handful of activities (the Temporal server is the
bottleneck on small machines) and makes the step atomic: a refused hold writes nothing.
Running it twice is safe: the step's (deal, seq) row is the marker that it already happened,
and every ledger transfer id is an idempotency key. A step that completes a deal, reveals its
reviews or ends a ruling's money moves also reviews the parties' reputation and credit lines
(integrations/db/reputation_read_model.py), inside the same transaction.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import TradepactError
from integrations.db.ledger import Ledger
from integrations.db.read_model import claim_step, record_notices_and_reviews
from integrations.db.reputation_read_model import lock_credit_accounts, review_parties, reviews_track_record
from integrations.db.session import unit_of_work
from workflows.messages import StepReceipt, StepRecord
from workflows.names import RECORD_STEP_ACTIVITY


class DealSteps:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url

    @activity.defn(name=RECORD_STEP_ACTIVITY)
    def record_step(self, record: StepRecord) -> StepReceipt:
        deal, step = record.deal, record.step
        with unit_of_work(self._database_url) as session:
            if not claim_step(session, deal, step):
                return StepReceipt(deal.deal_id, step.seq, replayed=True)
            reviewing = reviews_track_record(deal, step)
            if reviewing:
                lock_credit_accounts(session, deal.parties)
            ledger = Ledger(session)
            try:
                for command in step.ledger.commands():
                    ledger.execute(command)
            except TradepactError as error:
                # The transaction rolls back; the workflow turns this into the user's refusal.
                raise ApplicationError(error.message, type=error.code, non_retryable=True) from error
            record_notices_and_reviews(session, deal, step)
            if reviewing:  # reputation and credit lines, in the same transaction (no new activity)
                review_parties(session, deal, step)
        return StepReceipt(deal.deal_id, step.seq, replayed=False)
