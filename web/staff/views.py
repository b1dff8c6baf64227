"""Staff pages: read-only, straight from the read model and the ledger."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template

from domain.stages import Stage
from integrations.db import queries
from web.auth.access import staff_required
from web.db import db
from web.deals.page import deal_page

blueprint = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


@blueprint.get("/")
@staff_required
def overview():
    summary = queries.staff_overview(db())
    return render_template("staff/overview.html", summary=summary, stages=list(Stage))


@blueprint.get("/deals/<deal_id>")
@staff_required
def deal(deal_id: str):
    view = queries.deal_for_staff(db(), deal_id)
    if view is None:
        abort(404)
    return render_template("staff/deal.html", page=deal_page(view, None, dt.datetime.now(dt.UTC)))
