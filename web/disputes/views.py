"""A party's dispute: open it from the deal page, then the case page with its stage, deadlines,
timeline, settlement offers, evidence and appeal. Each handler parses, sends one command to the
dispute (or the deal, to open it), and redirects; bad input re-renders with 422 and the field
errors, a refusal by the rules comes back through the error map (409 with the reason).
Non-parties get 404 for everything here.
"""

from __future__ import annotations

import datetime as dt
import mimetypes

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.dispute_stages import DisputeAction
from domain.disputes import Dispute
from domain.errors import InvalidInput
from integrations.db import queries
from integrations.db.queries import disputes as dispute_queries
from integrations.db.queries.disputes import Viewer, dispute_state
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db
from web.deal_service import deal_service
from web.deals.inputs import TEST_CARDS
from web.deals.messages import thread_panel
from web.deals.page import deal_page
from web.disputes import evidence, page
from web.disputes.commands import send
from web.disputes.inputs import AcceptForm, EvidenceForm, NoteForm, OpenDisputeForm, ruling_from_form
from web.errors import form_errors
from web.fields import form_data
from workflows.dispute_messages import DisputeCommand, OpenDispute

blueprint = Blueprint("disputes", __name__, template_folder="templates")
A = DisputeAction


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _my_dispute(deal_id: str) -> tuple[Dispute, queries.DealView]:
    """The dispute and its deal, if the viewer is one of the parties; 404 otherwise."""
    me = viewer()
    dispute = dispute_state(db(), deal_id, Viewer(me.id, me.role, me.business_id))
    deal = queries.deal_for_viewer(db(), deal_id, me.business_id) if dispute is not None else None
    if dispute is None or deal is None:
        abort(404)
    return dispute, deal


def _back(deal_id: str):
    return redirect(url_for("disputes.dispute_page", deal_id=deal_id), 303)


def _render(found: tuple[Dispute, queries.DealView], status: int = 200, **form):
    case = page.party_page(db(), *found, viewer().business_id, _now(), **form)
    return render_template("disputes/dispute.html", case=case), status


@blueprint.get("/deals/<deal_id>/dispute")
@member_required
def dispute_page(deal_id: str):
    return _render(_my_dispute(deal_id))


@blueprint.post("/deals/<deal_id>/dispute")
@member_required
def open_dispute(deal_id: str):
    deal = queries.deal_for_viewer(db(), deal_id, viewer().business_id)
    if deal is None:
        abort(404)
    raw = form_data(request.form)
    try:
        data = OpenDisputeForm().load(raw)
        reply = deal_service().open_dispute(deal_id, OpenDispute(
            viewer().business_id, viewer().id, data["reason"], data["details"], data["asked_for"]))
    except (ValidationError, InvalidInput) as error:
        return _deal_page_with_errors(deal, raw, form_errors(error))
    flash(reply.summary, "success")
    return _back(deal_id)


def _deal_page_with_errors(deal: queries.DealView, values: dict, errors: dict):
    now, me = _now(), viewer().business_id
    panel = page.deal_dispute_panel(db(), deal.deal, me, now, values, errors)
    return render_template("deals/deal.html", page=deal_page(deal, me, now), account=None, read_only=False,
                           test_cards=TEST_CARDS, dispute=panel, messages=thread_panel(deal.deal, now),
                           min_date=(now + dt.timedelta(days=1)).date().isoformat()), 422


@blueprint.post("/deals/<deal_id>/dispute/offers")
@member_required
def offer_settlement(deal_id: str):
    found = _my_dispute(deal_id)
    raw = form_data(request.form)
    try:
        ruling = ruling_from_form(raw, found[0].held)
        reply = send(found[0], DisputeCommand(A.OFFER_SETTLEMENT, viewer().business_id, viewer().id, ruling=ruling),
                     _now())
    except (ValidationError, InvalidInput) as error:
        return _render(found, 422, values=raw, errors=form_errors(error))
    flash(reply.summary, "success")
    return _back(deal_id)


@blueprint.post("/deals/<deal_id>/dispute/accept")
@member_required
def accept_settlement(deal_id: str):
    dispute, _deal = _my_dispute(deal_id)
    data = AcceptForm().load(form_data(request.form))
    reply = send(dispute, DisputeCommand(A.ACCEPT_SETTLEMENT, viewer().business_id, viewer().id,
                                         offer_number=data["offer_number"]), _now())
    flash(reply.summary, "success")
    return _back(deal_id)


@blueprint.post("/deals/<deal_id>/dispute/evidence")
@member_required
def submit_evidence(deal_id: str):
    found = _my_dispute(deal_id)
    raw = form_data(request.form)
    try:
        data = EvidenceForm().load(raw)
        reply = evidence.submit_evidence(db(), found[0], viewer().business_id, viewer().id, data["statement"],
                                         request.files.getlist("files"), _now())
    except (ValidationError, InvalidInput) as error:
        return _render(found, 422, values=raw, errors=form_errors(error))
    flash(reply.summary, "success")
    return _back(deal_id)


@blueprint.post("/deals/<deal_id>/dispute/appeal")
@member_required
def appeal(deal_id: str):
    return _simple_action(deal_id, A.APPEAL)


@blueprint.post("/deals/<deal_id>/dispute/withdraw")
@member_required
def withdraw(deal_id: str):
    return _simple_action(deal_id, A.WITHDRAW)


def _simple_action(deal_id: str, action: DisputeAction):
    dispute, _deal = _my_dispute(deal_id)
    note = NoteForm().load(form_data(request.form))["note"]
    reply = send(dispute, DisputeCommand(action, viewer().business_id, viewer().id, note=note), _now())
    flash(reply.summary, "success")
    return _back(deal_id)


@blueprint.get("/deals/<deal_id>/dispute/files/<sha256>")
@member_required
def evidence_file(deal_id: str, sha256: str):
    _my_dispute(deal_id)
    return file_response(deal_id, sha256)


def file_response(deal_id: str, sha256: str) -> Response:
    """The stored bytes, as a download that no browser will render or run in our origin."""
    stored = dispute_queries.evidence_file(db(), deal_id, sha256)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    extension = mimetypes.guess_extension(stored.content_type) or ""
    response.headers["Content-Disposition"] = f'attachment; filename="evidence-{sha256[:12]}{extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.app_template_filter("dispute_stage")
def _stage_filter(stage: str) -> str:
    return page.stage_label(stage)


@blueprint.app_template_filter("dispute_reason")
def _reason_filter(reason: str) -> str:
    return page.reason_label(reason)


@blueprint.app_template_filter("dispute_action")
def _action_filter(action: str) -> str:
    return page.action_label(action)

