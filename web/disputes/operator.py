"""The operators' view of disputes (admins): every open dispute with its stage, age, arbitrator
and next deadline, and the reassignment of a case (the dispute workflow then assigns another
arbitrator, never the one taken off)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from domain.dispute_stages import DisputeAction
from integrations.db.queries import dispute_pages
from integrations.db.queries import disputes as dispute_queries
from integrations.db.queries.disputes import Viewer
from web.auth.identity import viewer
from web.db import db
from web.disputes.commands import send
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
    me = viewer()
    dispute = dispute_queries.dispute_state(db(), deal_id, Viewer(me.id, me.role, me.business_id))
    if dispute is None:
        abort(404)
    note = NoteForm().load(form_data(request.form))["note"] or "reassigned by an operator"
    reply = send(dispute, DisputeCommand(DisputeAction.REASSIGN, me.id, me.id, note=note), dt.datetime.now(dt.UTC))
    flash(reply.summary, "success")
    return redirect(url_for("dispute_ops.open_disputes"), 303)
