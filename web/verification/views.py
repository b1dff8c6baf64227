"""Verification pages: the member's (Account → Verification: status, the form, answers to an
admin's question) and the admins' (Staff → Verifications: the review queue and each case)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.errors import InvalidInput
from domain.verification import DOCUMENT_RULES, Act
from integrations.db.verification_read_model import case_view, review_queue
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db, fresh_reads
from web.errors import form_errors
from web.fields import form_data
from web.plans.admin import admin_required
from web.verification import service
from web.verification.documents import case_document, document_download
from web.verification.inputs import DecisionForm, SubmissionForm
from web.verification.limits import policy

blueprint = Blueprint("verification", __name__, url_prefix="/account/verification", template_folder="templates")
admin = Blueprint("verification_admin", __name__, url_prefix="/staff/verifications", template_folder="templates")
ACTS = {"approve": Act.APPROVE, "reject": Act.REJECT, "request-info": Act.REQUEST_INFO}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _own_case(errors: dict | None = None, values: dict | None = None, status: int = 200):
    view = case_view(db(), viewer().business_id)
    assert view is not None, "a member's business exists"
    return render_template("verification/mine.html", case=case_document(view), errors=errors or {},
                           values=values or {}, rules=DOCUMENT_RULES, policy=policy()), status


@blueprint.get("/")
@member_required
def mine():
    return _own_case()


@blueprint.post("/")
@member_required
def submit():
    raw = form_data(request.form)
    try:
        data = SubmissionForm().load(raw)
        reply = service.submit(db(), viewer().business_id, viewer().id, data,
                               request.files.getlist("documents"), _now())
    except (ValidationError, InvalidInput) as error:
        return _own_case(form_errors(error), raw, 422)
    flash(reply.summary, "success")
    return redirect(url_for("verification.mine"), 303)


@blueprint.get("/documents/<digest>")
@member_required
def own_document(digest: str):
    return document_download(db(), viewer().business_id, digest)


@admin.get("/")
@admin_required
def queue():
    return render_template("verification/queue.html", cases=review_queue(db()), now=_now())


@admin.get("/<int:business_id>")
@admin_required
def case(business_id: int):
    view = case_view(db(), business_id)
    if view is None:
        abort(404)
    return render_template("verification/case.html", case=case_document(view))


@admin.post("/<int:business_id>/<decision>")
@admin_required
def decide(business_id: int, decision: str):
    if decision not in ACTS or case_view(db(), business_id) is None:
        abort(404)
    reason = DecisionForm().load(form_data(request.form))["reason"]
    reply = service.decide(db(), business_id, viewer().id, ACTS[decision], reason)
    fresh_reads()
    flash(reply.summary, "success")
    return redirect(url_for("verification_admin.case", business_id=business_id), 303)


@admin.get("/<int:business_id>/documents/<digest>")
@admin_required
def case_document_file(business_id: int, digest: str):
    return document_download(db(), business_id, digest)

