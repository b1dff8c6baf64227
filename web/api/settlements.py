"""API for finance: every Stripe movement with its ids and status, the retry of a refused
payout, and reconciliation runs. Finance and admins only; everyone else gets 404."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, fields, validate

from integrations.db import queries
from integrations.db.reconciliation import recent_runs
from web.api.access import api_finance, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut, MoneyOut
from web.db import db
from web.deal_service import deal_service
from web.finance.payouts import KINDS, STATUSES, retry_payout
from web.finance.reconciliation import PeriodIn, reconciliation_request

blp = ApiBlueprint("api_settlements", __name__, description="Finance: settlements, payouts and their retries")


class MovementFilter(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))


class CashMovementOut(Schema):
    key = fields.String()
    deal_id = fields.String()
    deal_title = fields.String(allow_none=True)
    kind = fields.String()
    business_name = fields.String()
    amount = fields.Nested(MoneyOut)
    status = fields.String()
    stripe_id = fields.String(allow_none=True)
    charge_id = fields.String(allow_none=True)
    failure = fields.String(allow_none=True)
    retries = fields.Integer()
    retried_by = fields.String(allow_none=True, metadata={"description": "the finance user who retried it last"})
    retried_at = fields.DateTime(allow_none=True)
    retryable = fields.Boolean(metadata={"description": "a failed payout waiting in finance's queue"})
    updated_at = fields.DateTime()


class PayoutRetriedOut(Schema):
    movement_key = fields.String()
    succeeded = fields.Boolean()
    stripe_id = fields.String(allow_none=True)
    message = fields.String()


@blp.route("/finance/payouts", methods=["GET"])
@api_finance
@blp.arguments(MovementFilter, location="query")
@blp.response(200, CashMovementOut(many=True))
def movements(args: dict):
    """Card payments, payouts and refunds; failed payouts (the retry queue) first."""
    return queries.cash_movements(db(), args.get("status"), args.get("kind"))


@blp.route("/finance/payouts/<path:movement_key>/retry", methods=["POST"])
@api_finance
@blp.response(200, PayoutRetriedOut)
@blp.alt_response(404, schema=ErrorOut, description="No such payout")
@blp.alt_response(409, schema=ErrorOut, description="The payout is not waiting for a retry (already sent)")
@blp.alt_response(503, schema=ErrorOut, description="The workflow service is away: try again")
def retry(movement_key: str):
    """Send a failed payout again through Stripe (a new Stripe call per retry). `succeeded` false
    means Stripe refused it again, with its reason; a payout already sent is refused with 409."""
    return retry_payout(movement_key, api_user().id)


class MismatchOut(Schema):
    deal_id = fields.String()
    key = fields.String()
    reason = fields.String()


class RunOut(Schema):
    id = fields.Integer()
    period_start = fields.DateTime()
    period_end = fields.DateTime()
    status = fields.String()
    checked = fields.Integer()
    mismatches = fields.Integer()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    nightly = fields.Boolean()
    found = fields.List(fields.Nested(MismatchOut))


class StartedOut(Schema):
    workflow_id = fields.String()


@blp.route("/finance/reconciliation", methods=["GET"])
@api_finance
@blp.response(200, RunOut(many=True))
def reconciliation_runs():
    """The latest runs, newest first, each with its mismatches (deal, movement, reason)."""
    return recent_runs(db())


@blp.route("/finance/reconciliation", methods=["POST"])
@api_finance
@blp.arguments(PeriodIn)
@blp.response(202, StartedOut)
@blp.alt_response(503, schema=ErrorOut, description="The workflow service is away: try again")
def start_reconciliation(data: dict):
    """Reconcile a period (dates, both included; default the last 24 hours). Poll the runs."""
    request = reconciliation_request(data, api_user().id, dt.datetime.now(dt.UTC))
    return {"workflow_id": deal_service().start_reconciliation(request)}
