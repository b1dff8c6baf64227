"""The arbitrator's desk: the queue of their open cases with deadlines, the case page (the deal's
terms with its acceptance criteria as the checklist, both timelines, both sides' evidence, the
settlement offers, each party's record on the platform) and the ruling form.

An arbitrator sees only cases it is or was assigned to (one taken off a case still sees why);
every other case is 404. Admins may read any case. Only the arbitrator assigned now may rule,
and the dispute itself refuses anyone else with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.dispute_stages import DisputeAction
from domain.errors import InvalidInput
from integrations.db import queries
from integrations.db.queries import dispute_pages
from web.auth.access import staff_required
from web.auth.identity import viewer
from web.db import db
from web.disputes import page
from web.disputes.inputs import ruling_from_form
from web.disputes.service import disputes
from web.disputes.views import file_response
from web.errors import field_errors
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


def _case(deal_id: str) -> dispute_pages.DisputeView:
    me = viewer()
    if me.role != "admin" and not dispute_pages.was_assigned(db(), deal_id, me.id):
        abort(404)
    view = dispute_pages.dispute_for_staff(db(), deal_id)
    if view is None:
        abort(404)
    return view


def _render(view: dispute_pages.DisputeView, status: int = 200, **form):
    deal = queries.deal_for_staff(db(), view.dispute.deal_id)
    records = [dispute_pages.party_record(db(), party) for party in view.dispute.parties]
    case = page.desk_page(view, viewer().id, **form)
    return render_template("disputes/case.html", case=case, deal=deal, records=records), status


@blueprint.get("/")
@desk_required
def queue():
    cases = dispute_pages.cases_for_arbitrator(db(), viewer().id)
    return render_template("disputes/desk.html", cases=cases)


@blueprint.get("/cases/<deal_id>")
@desk_required
def case(deal_id: str):
    return _render(_case(deal_id))


@blueprint.post("/cases/<deal_id>/ruling")
@desk_required
def rule(deal_id: str):
    view = _case(deal_id)
    raw = form_data(request.form)
    try:
        ruling = ruling_from_form(raw, view.dispute.held)
        reply = disputes().act(deal_id, DisputeCommand(DisputeAction.RULE, viewer().id, viewer().id, ruling=ruling))
    except ValidationError as error:
        return _render(view, 422, values=raw, errors=field_errors(error.messages))
    except InvalidInput as error:
        return _render(view, 422, values=raw, errors={error.field or "_body": [error.message]})
    flash(reply.summary, "success")
    return redirect(url_for("arbitration.case", deal_id=deal_id), 303)


@blueprint.get("/cases/<deal_id>/files/<sha256>")
@desk_required
def evidence_file(deal_id: str, sha256: str):
    _case(deal_id)
    return file_response(deal_id, sha256)
