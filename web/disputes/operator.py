"""The operators' view of disputes (admins): every open dispute with its stage, age, arbitrator
and next deadline, and the reassignment of a case (the dispute workflow then assigns another
arbitrator, never the one taken off)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from domain.dispute_stages import DisputeAction
from integrations.db.queries import dispute_pages
from integrations.db.queries import disputes as dispute_queries
from web.auth.identity import viewer
from web.db import db
from web.deal_service import deal_service
from web.disputes.inputs import NoteForm
from web.fields import form_data
from web.plans.admin import admin_required
from workflows.dispute_messages import DisputeCommand

blueprint = Blueprint("dispute_ops", __name__, url_prefix="/staff/disputes", template_folder="templates")


@blueprint.get("/")
@admin_required
def open_disputes():
    cases = dispute_queries.open_disputes(db())
    names = dispute_pages.user_names(db(), (c.arbitrator_id for c in cases))
    return render_template("disputes/operator.html", cases=cases, arbitrators=names, now=dt.datetime.now(dt.UTC))


@blueprint.post("/<deal_id>/reassign")
@admin_required
def reassign(deal_id: str):
    if dispute_pages.dispute_stage(db(), deal_id) is None:
        abort(404)
    note = NoteForm().load(form_data(request.form))["note"] or "reassigned by an operator"
    reply = deal_service().dispute_act(deal_id, DisputeCommand(DisputeAction.REASSIGN, viewer().id, viewer().id, note=note))
    flash(reply.summary, "success")
    return redirect(url_for("dispute_ops.open_disputes"), 303)
