"""API: a party opens a dispute, offers and accepts settlements, submits evidence, withdraws or
appeals; the assigned arbitrator rules; both parties, the arbitrator and operators read the case
and download its evidence pack.

Every write is one Update to a workflow, whose validator applies the domain rule: refused with
409 and the rule's reason, 422 with field errors for malformed input, 503 when Temporal is away.
A dispute that is not the viewer's is a 404.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from flask import Response, abort, render_template, request

from domain.dispute_stages import DisputeAction
from domain.evidence import EvidenceRules
from integrations.db.evidence_files import forget_evidence_files, store_evidence_file
from integrations.db.queries import deal_state_for_party
from integrations.db.queries.disputes import Viewer, deal_of_dispute, dispute_state, evidence_file
from integrations.workflow_history import HistoryLine
from web.api.access import api_arbitrator, api_member, api_signed_in, api_user
from web.api.blueprint import ApiBlueprint
from web.api.dispute_documents import case_document, evidence_pack, plain
from web.api.dispute_inputs import DisputeNoteBody, OpenDisputeBody, RulingBody, ruling_from
from web.api.dispute_schemas import DisputeActionOut, DisputeOut
from web.api.evidence_upload import checked_files
from web.api.schemas import ErrorOut
from web.db import db, fresh_reads
from web.deal_service import deal_service
from workflows.dispute_messages import DisputeCommand, OpenDispute
from workflows.names import deal_workflow_id, dispute_workflow_id

blp = ApiBlueprint("api_disputes", __name__, description="Disputes: settlement, evidence, rulings, appeals",
                   template_folder="templates")
A = DisputeAction
MB = 1024 * 1024


@blp.before_app_request
def _room_for_evidence() -> None:
    """Evidence files may be far larger than the app's 1 MB request limit. Raised before anything
    reads the body (a session caller's CSRF check reads the form); each file is still held to
    the case's own limit in `checked_files`."""
    if request.endpoint == "api_disputes.submit_evidence":
        rules = EvidenceRules()
        request.max_content_length = rules.max_files * rules.max_file_bytes + MB


def refusals(view):
    """Document the error answers every dispute write can give."""
    for status, why in ((404, "Not a dispute of yours"), (409, "Not allowed now: the rule's reason"),
                        (422, "Malformed input, with field errors"), (503, "The workflow service is away")):
        view = blp.alt_response(status, schema=ErrorOut, description=why)(view)
    return view


def visible_case(view):
    """404 for a case that is not the viewer's, before its body is parsed (no 422 to a stranger)."""
    @wraps(view)
    def checked(*args, **kwargs):
        case_or_404(kwargs["deal_id"])
        return view(*args, **kwargs)
    return checked


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def viewer() -> Viewer:
    user = api_user()
    return Viewer(user.id, user.role, user.business_id)


def case_or_404(deal_id: str):
    dispute = dispute_state(db(), deal_id, viewer())
    deal = deal_of_dispute(db(), deal_id) if dispute is not None else None
    if dispute is None or deal is None:
        abort(404, description="No dispute of yours on this deal.")
    return dispute, deal


def case(deal_id: str) -> dict[str, Any]:
    dispute, deal = case_or_404(deal_id)
    return plain(case_document(db(), dispute, deal, viewer(), now()))


def act(deal_id: str, action: DisputeAction, **fields_) -> dict[str, Any]:
    case_or_404(deal_id)
    me = api_user()
    actor = me.business_id if me.is_member else me.id
    reply = deal_service().dispute_act(deal_id, DisputeCommand(action, actor, me.id, **fields_))
    fresh_reads()
    return {"deal_id": reply.deal_id, "stage": reply.stage.value, "version": reply.version,
            "summary": reply.summary, "dispute": case(deal_id)}


@blp.route("/deals/<deal_id>/dispute", methods=["POST"])
@api_member
@blp.arguments(OpenDisputeBody)
@blp.response(201, DisputeOut)
@refusals
def open_dispute(data: dict, deal_id: str):
    """Open a dispute while a delivery is being inspected: the deal stops (no auto-confirmation,
    reviews frozen) and settlement talks start."""
    me = api_user()
    if deal_state_for_party(db(), deal_id, me.business_id) is None:
        abort(404)
    deal_service().open_dispute(deal_id, OpenDispute(me.business_id, me.id, data["reason"], data["details"],
                                                     data["asked_for"]))
    fresh_reads()
    return case(deal_id)


@blp.route("/deals/<deal_id>/dispute", methods=["GET"])
@api_signed_in
@blp.response(200, DisputeOut)
def dispute(deal_id: str):
    """The case: terms checklist, deadlines, offers, evidence, arbitrator, rulings, timeline, and
    the actions I may take now."""
    return case(deal_id)


@blp.route("/deals/<deal_id>/dispute/offers", methods=["POST"])
@api_member
@visible_case
@blp.arguments(RulingBody)
@blp.response(200, DisputeActionOut)
@refusals
def offer_settlement(data: dict, deal_id: str):
    """Offer a settlement (per leg release / refund / split; `reasons` is your message). It
    replaces any earlier offer; the other side may accept it while talks run."""
    return act(deal_id, A.OFFER_SETTLEMENT, ruling=ruling_from(data))


@blp.route("/deals/<deal_id>/dispute/offers/<int:number>/accept", methods=["POST"])
@api_member
@blp.response(200, DisputeActionOut)
@refusals
def accept_settlement(deal_id: str, number: int):
    """Accept the other side's live offer `number`: the dispute is settled and executed."""
    return act(deal_id, A.ACCEPT_SETTLEMENT, offer_number=number)


@blp.route("/deals/<deal_id>/dispute/evidence", methods=["POST"])
@api_member
@blp.response(200, DisputeActionOut)
@refusals
def submit_evidence(deal_id: str):
    """Submit evidence as `multipart/form-data`: `statement`, and `files` (repeatable). Each file
    is checked (size, type against its content) and hashed before anything is stored."""
    dispute, _deal = case_or_404(deal_id)
    me = api_user()
    dispute.check(A.SUBMIT_EVIDENCE, me.business_id, now())  # refused here: nothing is read or stored
    rules = dispute.policy.evidence
    statement = request.form.get("statement", "")
    checked = checked_files(statement, request.files.getlist("files"), rules)
    stored = [f.sha256 for f, data in checked
              if store_evidence_file(db(), deal_id, f.sha256, f.media_type, data, me.business_id, now())]
    db().commit()
    try:
        return act(deal_id, A.SUBMIT_EVIDENCE, statement=statement, files=tuple(f for f, _ in checked))
    except Exception:
        db().rollback()
        forget_evidence_files(db(), deal_id, stored)  # the dispute refused it: keep nothing of it
        db().commit()
        raise


@blp.route("/deals/<deal_id>/dispute/evidence/<digest>", methods=["GET"])
@api_signed_in
def download_evidence(deal_id: str, digest: str):
    """One evidence file, as submitted, by its SHA-256 (listed in the case and the evidence pack)."""
    case_or_404(deal_id)
    file = evidence_file(db(), deal_id, digest)
    if file is None:
        abort(404)
    return Response(file.data, mimetype=file.content_type, headers={
        "Content-Disposition": f'attachment; filename="{digest[:16]}"', "X-Content-SHA256": file.sha256})


@blp.route("/deals/<deal_id>/dispute/withdraw", methods=["POST"])
@api_member
@visible_case
@blp.arguments(DisputeNoteBody)
@blp.response(200, DisputeActionOut)
@refusals
def withdraw(data: dict, deal_id: str):
    """Withdraw your dispute (the opener only, before a ruling): the deal continues."""
    return act(deal_id, A.WITHDRAW, note=data["note"])


@blp.route("/deals/<deal_id>/dispute/appeal", methods=["POST"])
@api_member
@blp.response(200, DisputeActionOut)
@refusals
def appeal(deal_id: str):
    """Appeal the ruling, once, within the appeal window; a senior arbitrator decides, finally.
    The appeal fee is kept only if the appeal fails."""
    return act(deal_id, A.APPEAL)


@blp.route("/deals/<deal_id>/dispute/ruling", methods=["POST"])
@api_arbitrator
@visible_case
@blp.arguments(RulingBody)
@blp.response(200, DisputeActionOut)
@refusals
def rule(data: dict, deal_id: str):
    """The assigned arbitrator's ruling: per leg release / refund / split (by `refund_bps` or both
    amounts), each bond returned or forfeited, and written reasons. Amounts that do not match
    what is held are refused (422)."""
    return act(deal_id, A.RULE, ruling=ruling_from(data))


def workflow_histories(deal_id: str) -> dict[str, list[HistoryLine]]:
    """The deal's and its dispute's histories from Temporal (503 "try again" when it is away)."""
    service = deal_service()
    return {workflow_id: service.workflow_history(workflow_id)
            for workflow_id in (deal_workflow_id(deal_id), dispute_workflow_id(deal_id))}


@blp.route("/deals/<deal_id>/dispute/pack", methods=["GET"])
@api_signed_in
def pack(deal_id: str):
    """The evidence pack as JSON: terms, the deal's and the dispute's full timelines, evidence
    with file hashes, settlement offers, assignments and rulings."""
    dispute, deal = case_or_404(deal_id)
    return plain(evidence_pack(db(), dispute, deal, now(), workflow_histories(deal_id)))


@blp.route("/deals/<deal_id>/dispute/pack.html", methods=["GET"])
@api_signed_in
def pack_html(deal_id: str):
    """The evidence pack as one HTML document, to read, print or keep."""
    dispute, deal = case_or_404(deal_id)
    pack_ = evidence_pack(db(), dispute, deal, now(), workflow_histories(deal_id))
    html = render_template("api/evidence_pack.html", pack=plain(pack_))
    return Response(html, mimetype="text/html", headers={
        "Content-Disposition": f'attachment; filename="evidence-pack-{deal_id}.html"'})
