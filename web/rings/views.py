"""Pages: Matches (each of my wants with the offers that fit it, each of my offers with the wants
it fits), Barter rings (mine) and one ring (its legs, who accepted, the deadline, each leg's
deal stage; Accept / Decline while it waits), and staff's "Recompute matches now"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, validate

from integrations.db.queries.matches import matches_for_business
from integrations.db.ring_read_model import rings_of
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db, fresh_reads
from web.fields import Text, form_data
from web.plans.admin import admin_required
from web.rings import service

blueprint = Blueprint("rings", __name__, template_folder="templates")
admin = Blueprint("matching_admin", __name__, url_prefix="/staff/matching", template_folder="templates")


class DeclineForm(Schema):
    class Meta:
        unknown = EXCLUDE  # the form's CSRF token

    reason = Text(load_default="", validate=validate.Length(max=500))


@blueprint.get("/matches")
@member_required
def matches():
    lines = matches_for_business(db(), viewer().business_id)
    return render_template("rings/matches.html", wants=[line for line in lines if line.mine_kind == "want"],
                           offers=[line for line in lines if line.mine_kind == "offer"])


@blueprint.get("/rings")
@member_required
def my_rings():
    me = viewer().business_id
    return render_template("rings/rings.html", rings=[service.ring_document(view, me) for view in rings_of(db(), me)])


def _ring_of_mine(ring_key: str):
    view = service.my_ring(db(), ring_key, viewer().business_id)
    if view is None:
        abort(404)
    return view


@blueprint.get("/rings/<ring_key>")
@member_required
def ring(ring_key: str):
    me = viewer().business_id
    return render_template("rings/ring.html", ring=service.ring_document(_ring_of_mine(ring_key), me))


@blueprint.post("/rings/<ring_key>/accept")
@member_required
def accept(ring_key: str):
    _ring_of_mine(ring_key)
    reply = service.answer(ring_key, viewer().business_id, True)
    fresh_reads()
    flash(reply.summary + ("; all three accepted: the deals are being funded." if reply.status == "funding" else "."),
          "success")
    return redirect(url_for("rings.ring", ring_key=ring_key), 303)


@blueprint.post("/rings/<ring_key>/decline")
@member_required
def decline(ring_key: str):
    _ring_of_mine(ring_key)
    data = DeclineForm().load(form_data(request.form))
    reply = service.answer(ring_key, viewer().business_id, False, data["reason"])
    fresh_reads()
    flash(reply.summary + ".", "success")
    return redirect(url_for("rings.ring", ring_key=ring_key), 303)


@admin.get("/")
@admin_required
def overview():
    return render_template("rings/staff.html")


@admin.post("/recompute")
@admin_required
def recompute():
    service.recompute()
    flash("Matches and barter rings are being recomputed.", "success")
    return redirect(url_for("matching_admin.overview"), 303)
