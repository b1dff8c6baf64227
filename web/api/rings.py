"""API: matches for my business, my barter rings, and my answer to a ring; staff's recompute."""

from __future__ import annotations

from flask import abort
from marshmallow import Schema, fields

from integrations.db.queries.matches import matches_for_business
from integrations.db.ring_read_model import rings_of
from web.api.access import api_member, api_operator, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut
from web.db import db, fresh_reads
from web.rings import service
from web.rings.views import DeclineForm

blp = ApiBlueprint("api_rings", __name__, description="Matching and barter rings")


class MatchOut(Schema):
    my_listing_id = fields.Integer(attribute="mine_id")
    my_listing_kind = fields.String(attribute="mine_kind")
    my_listing_title = fields.String(attribute="mine_title")
    listing_id = fields.Integer(attribute="other_id", metadata={"description": "The matched listing"})
    listing_title = fields.String(attribute="other_title")
    business_id = fields.Integer(attribute="other_business_id")
    business_name = fields.String(attribute="other_business_name")
    score = fields.Integer(metadata={"description": "0-100"})
    parts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "category (of 40), price (25), payment (15), rating (10), delivery (10)"})
    reasons = fields.List(fields.String())


class MatchesOut(Schema):
    items = fields.List(fields.Nested(MatchOut))


class RingBusinessOut(Schema):
    business_id = fields.Integer()
    name = fields.String()
    answer = fields.String(metadata={"description": "waiting, accepted, declined or no answer"})


class RingLegOut(Schema):
    title = fields.String()
    seller_id = fields.Integer(metadata={"description": "The business that delivers (it offered the service)"})
    seller_name = fields.String()
    buyer_id = fields.Integer(metadata={"description": "The business that receives it (it wanted the service)"})
    buyer_name = fields.String()
    want_id = fields.Integer()
    offer_id = fields.Integer()
    score = fields.Integer()
    deal_id = fields.String(allow_none=True, metadata={"description": "Once all accepted: the leg's deal"})
    deal_stage = fields.String(allow_none=True)


class RingOut(Schema):
    ring_key = fields.String()
    status = fields.String(metadata={"description": "proposed, declined, expired, funding, failed, running, "
                                                    "completed or broken"})
    score = fields.Integer()
    reason = fields.String()
    proposed_at = fields.DateTime()
    answer_by = fields.DateTime()
    bond_minor = fields.Integer(metadata={"description": "Credits each provider's bond holds"})
    businesses = fields.List(fields.Nested(RingBusinessOut))
    legs = fields.List(fields.Nested(RingLegOut))
    may_answer = fields.Boolean()


class RingsOut(Schema):
    items = fields.List(fields.Nested(RingOut))


class RingReplyOut(Schema):
    ring_key = fields.String()
    status = fields.String()
    accepted_by = fields.List(fields.Integer())
    summary = fields.String()


class RecomputeOut(Schema):
    workflow_id = fields.String()


def _refusals(view):
    for status, why in ((404, "Not a ring you may see"), (409, "Not allowed now: the rule's reason"),
                        (422, "Malformed input, with field errors"), (503, "The workflow service is away: try again")):
        view = blp.alt_response(status, schema=ErrorOut, description=why)(view)
    return view


@blp.route("/matches", methods=["GET"])
@api_member
@blp.response(200, MatchesOut)
def matches():
    """Each of my wants with the offers that fit it, and each of my offers with the wants it fits,
    best first, with the score's parts and their reasons."""
    return {"items": matches_for_business(db(), api_user().business_id)}


@blp.route("/matches/recompute", methods=["POST"])
@api_operator
@blp.response(202, RecomputeOut)
def recompute():
    """Recompute every match now and propose the barter rings found (it also runs hourly)."""
    return {"workflow_id": service.recompute()}


@blp.route("/rings", methods=["GET"])
@api_member
@blp.response(200, RingsOut)
def rings():
    """The barter rings proposed to my business, newest first."""
    me = api_user().business_id
    return {"items": [service.ring_document(view, me) for view in rings_of(db(), me)]}


def _ring(ring_key: str) -> dict:
    me = api_user().business_id
    view = service.my_ring(db(), ring_key, me)
    if view is None:
        abort(404)
    return service.ring_document(view, me)


@blp.route("/rings/<ring_key>", methods=["GET"])
@api_member
@blp.response(200, RingOut)
@_refusals
def ring(ring_key: str):
    """One of my rings: its legs, who accepted, the deadline, each leg's deal and stage."""
    return _ring(ring_key)


@blp.route("/rings/<ring_key>/accept", methods=["POST"])
@api_member
@blp.response(200, RingReplyOut)
@_refusals
def accept(ring_key: str):
    """Accept the ring; when the third business accepts, its three deals are funded together."""
    _ring(ring_key)
    reply = service.answer(ring_key, api_user().business_id, True)
    fresh_reads()
    return reply


@blp.route("/rings/<ring_key>/decline", methods=["POST"])
@api_member
@blp.arguments(DeclineForm)
@blp.response(200, RingReplyOut)
@_refusals
def decline(data: dict, ring_key: str):
    """Decline the ring (optional `reason`): it ends for all three."""
    _ring(ring_key)
    reply = service.answer(ring_key, api_user().business_id, False, data["reason"])
    fresh_reads()
    return reply
