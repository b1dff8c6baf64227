"""API: a deal's message thread. The parties read and post; once the deal is disputed, the
arbitrators of the case and the operators read it. Anyone else gets 404, before a body is
parsed (no 422 to a stranger)."""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from flask import abort, request
from marshmallow import Schema, fields

from integrations.db import queries
from integrations.db.queries.disputes import deal_of_dispute
from web.api.access import api_member, api_signed_in, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut
from web.db import db
from web.deals.ids import new_request_id
from web.deals.messages import MessageBody, readable_thread, send_message, thread_status

blp = ApiBlueprint("api_messages", __name__, description="A deal's message thread between its parties")


class MessageOut(Schema):
    id = fields.Integer()
    author_business_id = fields.Integer()
    author_name = fields.String()
    body = fields.String()
    at = fields.DateTime()


class ThreadOut(Schema):
    items = fields.List(fields.Nested(MessageOut))
    open = fields.Boolean(metadata={"description": "Whether the parties may post now"})
    closes_at = fields.DateTime(allow_none=True, metadata={"description": "When an ended deal's thread closes"})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _party_only(view):
    @wraps(view)
    def checked(*args: Any, **kwargs: Any):
        if queries.deal_state_for_party(db(), kwargs["deal_id"], api_user().business_id) is None:
            abort(404)
        return view(*args, **kwargs)
    return checked


@blp.route("/deals/<deal_id>/messages", methods=["GET"])
@api_signed_in
@blp.response(200, ThreadOut)
@blp.alt_response(404, schema=ErrorOut, description="Not a deal of yours (or a case of yours)")
def thread(deal_id: str):
    """The deal's messages, oldest first, and whether the thread still takes messages."""
    found = readable_thread(deal_id, api_user())
    if found is None:
        abort(404)
    return {"items": found, **thread_status(deal_of_dispute(db(), deal_id), _now())}


@blp.route("/deals/<deal_id>/messages", methods=["POST"])
@api_member
@_party_only
@blp.arguments(MessageBody)
@blp.response(201, MessageOut)
@blp.alt_response(404, schema=ErrorOut, description="Not a deal of yours")
@blp.alt_response(409, schema=ErrorOut, description="The thread is closed (30 days after the deal ended)")
@blp.alt_response(422, schema=ErrorOut, description="An empty message, or one over 5,000 characters")
def post(data: dict, deal_id: str):
    """Post a message; the other party is notified. Send the same `request_id` (or
    `Idempotency-Key` header) again and you reach the same message instead of a second one."""
    deal = queries.deal_state_for_party(db(), deal_id, api_user().business_id)
    request_id = data.get("request_id") or request.headers.get("Idempotency-Key", "")[:100] or new_request_id()
    return send_message(deal, api_user(), data, request_id, _now())
