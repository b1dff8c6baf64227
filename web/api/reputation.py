"""API: a business's reputation (public, like its profile) and my credit line with its reasons."""

from __future__ import annotations

from flask import abort
from marshmallow import Schema, fields

from integrations.db.app_models import Business
from integrations.db.queries.reputation import credit_line_view, reputation_view
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.db import db

blp = ApiBlueprint("api_reputation", __name__, description="Reputation and credit lines")


class DimensionsOut(Schema):
    quality = fields.Float(allow_none=True)
    timeliness = fields.Float(allow_none=True)
    communication = fields.Float(allow_none=True)


class ReputationOut(Schema):
    business_id = fields.Integer()
    score = fields.Float(allow_none=True, metadata={
        "description": "1 to 5: recent reviews weigh more (half-life 180 days), few reviews are shrunk toward "
                       "the platform's mean, lost disputes count as one-star reviews; null before any review"})
    review_count = fields.Integer()
    dimensions = fields.Nested(DimensionsOut)
    lost_disputes = fields.Integer()
    won_disputes = fields.Integer()
    completed_deals = fields.Integer()
    parts = fields.List(fields.String(), metadata={"description": "how the score is made, one line per source"})


class CreditLineOut(Schema):
    limit = fields.Integer(attribute="limit_minor", metadata={"description": "the line in force, minor units of CRD"})
    target = fields.Integer(attribute="target_minor", metadata={
        "description": "what the policy asked at the last review; lower than `limit` while the balance uses more"})
    currency = fields.Constant("CRD")
    reasons = fields.List(fields.String())
    reviewed_at = fields.DateTime(allow_none=True)


def reputation_out(business_id: int) -> dict:
    found = reputation_view(db(), business_id)
    if found is None:
        return {"business_id": business_id, "score": None, "review_count": 0, "dimensions": {},
                "lost_disputes": 0, "won_disputes": 0, "completed_deals": 0, "parts": []}
    return {"business_id": business_id, "score": found.score if found.review_count else None,
            "review_count": found.review_count, "dimensions": dict(found.dimensions),
            "lost_disputes": found.lost_disputes, "won_disputes": found.won_disputes,
            "completed_deals": found.completed_deals, "parts": list(found.parts)}


@blp.route("/businesses/<int:business_id>/reputation", methods=["GET"])
@blp.response(200, ReputationOut)
def reputation(business_id: int):
    """A business's reputation score with its review count, dimensions and parts."""
    if db().get(Business, business_id) is None:
        abort(404)
    return reputation_out(business_id)


@blp.route("/credit-line", methods=["GET"])
@api_member
@blp.response(200, CreditLineOut)
def credit_line():
    """My credit line and the reasons for it (reviewed after each completed deal and ruling)."""
    return credit_line_view(db(), api_user().business_id) or abort(404)
