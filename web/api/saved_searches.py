"""API: my saved catalog searches, each with its alerts for new matching listings."""

from __future__ import annotations

import datetime as dt

from flask import abort

from integrations.db.saved_searches import delete_search, save_search, saved_searches_of
from web.account.saved_search_inputs import SavedSearchBody, SavedSearchOut, checked_search, default_name
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut
from web.db import db

blp = ApiBlueprint("api_saved_searches", __name__, description="Saved searches and their alerts")


@blp.route("/saved-searches", methods=["GET"])
@api_member
@blp.response(200, SavedSearchOut(many=True))
def saved_searches():
    """Newest first."""
    return saved_searches_of(db(), api_user().business_id)


@blp.route("/saved-searches", methods=["POST"])
@api_member
@blp.arguments(SavedSearchBody)
@blp.alt_response(409, schema=ErrorOut, description="Too many saved searches")
@blp.alt_response(422, schema=ErrorOut, description="Malformed search, with field errors")
@blp.response(201, SavedSearchOut)
def save(data: dict):
    """Save a search (as GET /listings takes it). Each listing published afterwards by another
    business that the search would show sends one `saved_search_alert` notification, emailed at
    once (`immediate`) or in the daily digest (`digest`)."""
    search = checked_search(db(), data["search"])
    return save_search(db(), api_user().business_id, data["name"] or default_name(search), search, data["alerts"],
                       dt.datetime.now(dt.UTC))


@blp.route("/saved-searches/<int:search_id>", methods=["DELETE"])
@api_member
@blp.response(204)
def delete(search_id: int):
    if not delete_search(db(), api_user().business_id, search_id):
        abort(404)
