"""API: the operator metrics, for admins (404 for everyone else). Same period and numbers as
`/staff/metrics`: money in minor units per currency, rates with their counts."""

from __future__ import annotations

from marshmallow import Schema, fields

from integrations.db.queries.metrics import operator_metrics
from web.api.access import api_operator
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut
from web.db import db
from web.metrics.views import PeriodArgs, period

blp = ApiBlueprint("api_metrics", __name__, description="Operator metrics (admins)")


class RatioOut(Schema):
    part = fields.Integer()
    whole = fields.Integer()
    percent = fields.Float(allow_none=True)


def _counts() -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))


class WeekOut(Schema):
    week = fields.Date(metadata={"description": "The week's Monday (UTC)"})
    active = fields.Integer(metadata={"description": "Businesses with a deal event or a listing in the 30 days "
                                                     "to the week's end"})
    retention = fields.Nested(RatioOut)
    new_listings = _counts()
    started = _counts()
    completed = _counts()
    dispute_rate = fields.Nested(RatioOut)
    volume = _counts()
    fees = _counts()
    arpu = _counts()


class MetricsOut(Schema):
    first_day = fields.Date()
    last_day = fields.Date()
    match_rate = fields.Nested(RatioOut)
    weeks = fields.List(fields.Nested(WeekOut))


@blp.route("/staff/metrics", methods=["GET"])
@api_operator
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, MetricsOut)
@blp.alt_response(404, schema=ErrorOut, description="Not an admin")
@blp.alt_response(422, schema=ErrorOut, description="A period that is not 1-104 weeks ending by today")
def metrics(args: dict):
    """Per week: active businesses, 30-day retention, new listings, deals started and completed by
    model, dispute rate, gross volume, fee revenue and ARPU; and the match rate now."""
    return operator_metrics(db(), *period(args))
