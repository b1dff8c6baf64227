"""Account → Saved searches: save the search on the catalog page, list them with a link to run
each again, delete one (routes of the account blueprint). Alerts: activities/saved_search_alerts.py."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from integrations.db.saved_searches import delete_search, save_search, saved_searches_of
from web.account.saved_search_inputs import (
    ALERT_NAMES,
    SavedSearchForm,
    checked_search,
    default_name,
    page_args,
)
from web.account.views import blueprint
from web.auth.access import member_required
from web.auth.identity import viewer
from web.catalog.inputs import SearchForm
from web.db import db
from web.errors import form_errors
from web.fields import form_data


def _page(errors: dict[str, list[str]] | None = None, status: int = 200):
    searches = saved_searches_of(db(), viewer().business_id)
    return render_template("account/saved_searches.html", searches=searches, page_args=page_args,
                           alert_names=ALERT_NAMES, errors=errors or {}), status


@blueprint.get("/account/saved-searches")
@member_required
def saved_searches():
    return _page()


@blueprint.post("/account/saved-searches")
@member_required
def save_this_search():
    raw = {**form_data(request.form), "payment": request.form.getlist("payment")}
    try:
        chosen = SavedSearchForm().load(raw)
        search = checked_search(db(), SearchForm().load({k: v for k, v in raw.items() if k not in ("name", "alerts")}))
    except ValidationError as error:
        return _page(form_errors(error), 422)
    save_search(db(), viewer().business_id, chosen["name"] or default_name(search), search, chosen["alerts"],
                dt.datetime.now(dt.UTC))
    flash("Search saved: new listings that match it will be sent to you.", "success")
    return redirect(url_for("account.saved_searches"), 303)


@blueprint.post("/account/saved-searches/<int:search_id>/delete")
@member_required
def delete_saved_search(search_id: int):
    if not delete_search(db(), viewer().business_id, search_id):
        abort(404)
    flash("Saved search deleted: no more alerts for it.", "success")
    return redirect(url_for("account.saved_searches"), 303)
