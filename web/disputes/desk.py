"""The arbitrator's desk: the queue of their open cases with deadlines, the case page (the deal's
terms with its acceptance criteria as the checklist, both timelines, both sides' evidence, the
settlement offers, each party's record on the platform) and the ruling form.

An arbitrator sees only cases it is or was assigned to (one taken off a case still sees why);
every other case is 404. Admins may read any case. Only the arbitrator assigned now may rule,
and the dispute itself refuses anyone else with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.dispute_stages import DisputeAction
from domain.disputes import Dispute
from domain.errors import InvalidInput
from integrations.db import queries
from integrations.db.deal_messages import thread
from integrations.db.queries.disputes import Viewer, arbitrator_queue, dispute_state, track_record
from web.auth.access import staff_required
from web.auth.identity import viewer
from web.db import db
from web.disputes import page
from web.disputes.commands import send
from web.disputes.inputs import ruling_from_form
from web.disputes.views import file_response
from web.errors import form_errors
from web.fields import form_data
from workflows.dispute_messages import DisputeCommand

P = ParamSpec("P")
R = TypeVar("R")
DESK_ROLES = frozenset({"arbitrator", "admin"})
blueprint = Blueprint("arbitration", __name__, url_prefix="/desk", template_folder="templates")


def desk_required(view: Callable[P, R]) -> Callable[P, R]:
    """Staff first (anonymous visitors log in), then arbitrators and admins: 404 for the rest."""
    @staff_required
    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if viewer().role not in DESK_ROLES:
            abort(404)
        return view(*args, **kwargs)
    return checked


def _case(deal_id: str) -> tuple[Dispute, queries.DealView]:
    """The case, if this arbitrator is or was assigned to it (or the viewer is an admin)."""
    me = viewer()
    dispute = dispute_state(db(), deal_id, Viewer(me.id, me.role, me.business_id))
    deal = queries.deal_for_staff(db(), deal_id) if dispute is not None else None
    if dispute is None or deal is None:
        abort(404)
    return dispute, deal


def _render(found: tuple[Dispute, queries.DealView], status: int = 200, **form):
    dispute, deal = found
    records = [(deal.name_of(p), dispute.role_of(p).value, track_record(db(), p)) for p in dispute.parties]
    case = page.desk_page(db(), dispute, deal, viewer().id, **form)
    messages = {"thread": thread(db(), dispute.deal_id)}  # read only: staff never write in it
    return render_template("disputes/case.html", case=case, records=records, messages=messages), status


@blueprint.get("/")
@desk_required
def queue():
    cases = arbitrator_queue(db(), viewer().id)
    return render_template("disputes/desk.html", cases=cases)


@blueprint.get("/cases/<deal_id>")
@desk_required
def case(deal_id: str):
    return _render(_case(deal_id))


@blueprint.post("/cases/<deal_id>/ruling")
@desk_required
def rule(deal_id: str):
    found = _case(deal_id)
    raw = form_data(request.form)
    try:
        ruling = ruling_from_form(raw, found[0].held)
        reply = send(found[0], DisputeCommand(DisputeAction.RULE, viewer().id, viewer().id, ruling=ruling),
                     dt.datetime.now(dt.UTC))
    except (ValidationError, InvalidInput) as error:
        return _render(found, 422, values=raw, errors=form_errors(error))
    flash(reply.summary, "success")
    return redirect(url_for("arbitration.case", deal_id=deal_id), 303)


@blueprint.get("/cases/<deal_id>/files/<sha256>")
@desk_required
def evidence_file(deal_id: str, sha256: str):
    _case(deal_id)
    return file_response(deal_id, sha256)
