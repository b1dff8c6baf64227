"""API for finance: every Stripe movement with its ids and status, and the retry of a refused
payout. Finance and admins only; everyone else gets 404."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from integrations.db import queries
from web.api.access import api_finance, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut, MoneyOut
from web.db import db
from web.finance.payouts import KINDS, STATUSES, retry_payout

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
@blp.alt_response(503, schema=ErrorOut, description="The workflow service is away: try again")
def retry(movement_key: str):
    """Send a failed payout again through Stripe (a new Stripe call per retry; a payout already
    sent is not sent twice)."""
    return retry_payout(movement_key, api_user().id)
