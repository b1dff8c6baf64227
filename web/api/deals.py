"""API: propose a deal, list my deals, read one, and take each action on it.

Each action has its own route and body schema (`/deals/<id>/actions/<action>`), so the
OpenAPI document says exactly what every action takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, request
from marshmallow import EXCLUDE, Schema, fields, validate

from domain.stages import ACTION_LABELS, Action, Stage
from integrations.db import queries
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.api.documents import deal_document, deal_summary_document
from web.api.schemas import ActionResultOut, DealListOut, DealOut, ErrorOut
from web.db import db, fresh_reads, reads_only
from web.deal_service import deal_service
from web.deals.commands import command_for, deal_input
from web.deals.ids import new_request_id
from web.deals.inputs import ACTION_BODIES, ProposalBody
from web.deals.page import deal_page

blp = ApiBlueprint("api_deals", __name__, description="Deals and the actions on them")


class DealFilter(Schema):
    class Meta:
        unknown = EXCLUDE

    stage = fields.String(validate=validate.OneOf([s.value for s in Stage]))


def _refusals(view):
    """Document the error answers every deal write can give."""
    for status, why in ((404, "Not a deal (or listing) of yours"), (409, "Not allowed now: the rule's reason"),
                        (422, "Malformed input, with field errors"), (503, "The deal service is away: try again")):
        view = blp.alt_response(status, schema=ErrorOut, description=why)(view)
    return view


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _my_deal_document(deal_id: str) -> dict[str, Any]:
    view = queries.deal_for_viewer(db(), deal_id, api_user().business_id)
    if view is None:
        abort(404)
    return deal_document(deal_page(view, api_user().business_id, _now()))


@blp.route("/deals", methods=["POST"])
@reads_only  # the deal is written by its workflow; the web only reads around the call
@api_member
@blp.arguments(ProposalBody)
@blp.response(201, ActionResultOut)
@_refusals
def propose(data: dict):
    """Propose a deal on a listing. Send the same `request_id` (or `Idempotency-Key` header)
    again and you reach the same deal instead of opening a second one."""
    listing = queries.listing(db(), data["listing_id"])
    if listing is None or not listing.active:
        abort(404, description="No such listing.")
    request_id = data.get("request_id") or request.headers.get("Idempotency-Key", "")[:100] or new_request_id()
    reply = deal_service().open_deal(deal_input(db(), listing, api_user().business_id, data, request_id, _now()))
    fresh_reads()
    return {"deal_id": reply.deal_id, "stage": reply.stage, "version": reply.version,
            "summary": reply.summary, "deal": _my_deal_document(reply.deal_id)}


@blp.route("/deals", methods=["GET"])
@reads_only
@api_member
@blp.arguments(DealFilter, location="query")
@blp.response(200, DealListOut)
def my_deals(args: dict):
    """Deals my business is a party to, most recently changed first."""
    deals = queries.deals_for_business(db(), api_user().business_id, args.get("stage"))
    return {"items": [deal_summary_document(d) for d in deals]}


@blp.route("/deals/<deal_id>", methods=["GET"])
@reads_only
@api_member
@blp.response(200, DealOut)
def deal(deal_id: str):
    """Terms, stage, timeline, deadlines, and the actions I may take now."""
    return _my_deal_document(deal_id)


def _action_view(action: Action):
    def act(data: dict, deal_id: str):
        me = api_user()
        current = queries.deal_state_for_party(db(), deal_id, me.business_id)
        if current is None:
            abort(404)
        command = command_for(db(), current, action, me.business_id, me.id, data, _now())
        reply = deal_service().act(deal_id, command)
        fresh_reads()
        return {"deal_id": reply.deal_id, "stage": reply.stage, "version": reply.version,
                "summary": reply.summary, "deal": _my_deal_document(deal_id)}

    act.__name__ = f"act_{action.value}"
    act.__doc__ = f"{ACTION_LABELS[action]}. Refused with 409 and the rule's reason when not allowed now."
    return act


for _action in Action:
    blp.route(f"/deals/<deal_id>/actions/{_action.value}", methods=["POST"], endpoint=f"act_{_action.value}")(
        reads_only(api_member(blp.arguments(ACTION_BODIES[_action])(blp.response(200, ActionResultOut)(
            _refusals(_action_view(_action)))))))
