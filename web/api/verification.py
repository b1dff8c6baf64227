"""API: a business's verification (read it; submit or answer, multipart with `documents`) and
the admins' review queue (read, approve, reject with a reason, ask for more information)."""

from __future__ import annotations

import datetime as dt

from flask import abort, request

from domain.verification import Act
from integrations.db.verification_read_model import case_view, review_queue
from web.api.access import api_member, api_operator, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut
from web.db import db, fresh_reads
from web.verification import service
from web.verification.documents import case_document, document_download
from web.verification.inputs import CaseOut, DecisionForm, DecisionOut, QueueOut, SubmissionForm

blp = ApiBlueprint("api_verification", __name__, description="Business verification (KYB)")
DECISIONS = {"approve": Act.APPROVE, "reject": Act.REJECT, "request-info": Act.REQUEST_INFO}


def _refusals(view):
    for status, why in ((404, "Not a case you may see"), (409, "Not allowed now: the rule's reason"),
                        (422, "Malformed input or a refused document, with field errors"),
                        (503, "The workflow service is away: try again")):
        view = blp.alt_response(status, schema=ErrorOut, description=why)(view)
    return view


def _case(business_id: int) -> dict:
    view = case_view(db(), business_id)
    if view is None:
        abort(404)
    return case_document(view)


def _reply(reply) -> dict:
    fresh_reads()
    return {"business_id": reply.business_id, "status": reply.status, "version": reply.version,
            "summary": reply.summary}


@blp.route("/verification", methods=["GET"])
@api_member
@blp.response(200, CaseOut)
def mine():
    """My business's verification: status, what was submitted, the admin's reason, the timeline."""
    return _case(api_user().business_id)


@blp.route("/verification", methods=["POST"])
@api_member
@blp.arguments(SubmissionForm, location="form")
@blp.response(200, DecisionOut)
@_refusals
def submit(data: dict):
    """Submit (or answer a request for more information): multipart/form-data with the fields and
    one to five `documents` (PDF, PNG or JPEG, 10 MB each; the type is checked against the bytes)."""
    me = api_user()
    return _reply(service.submit(db(), me.business_id, me.id, data, request.files.getlist("documents"),
                                 dt.datetime.now(dt.UTC)))


@blp.route("/verification/documents/<digest>", methods=["GET"])
@api_member
def my_document(digest: str):
    """One of my documents, by its SHA-256."""
    return document_download(db(), api_user().business_id, digest)


@blp.route("/admin/verifications", methods=["GET"])
@api_operator
@blp.response(200, QueueOut)
def queue():
    """Cases waiting for review first, then those waiting on the business; oldest first."""
    return {"items": review_queue(db())}


@blp.route("/admin/verifications/<int:business_id>", methods=["GET"])
@api_operator
@blp.response(200, CaseOut)
def case(business_id: int):
    return _case(business_id)


@blp.route("/admin/verifications/<int:business_id>/documents/<digest>", methods=["GET"])
@api_operator
def case_document_file(business_id: int, digest: str):
    return document_download(db(), business_id, digest)


def _decision_view(name: str, act: Act):
    def decide(data: dict, business_id: int):
        _case(business_id)
        return _reply(service.decide(db(), business_id, api_user().id, act, data["reason"]))

    decide.__name__ = f"decide_{name.replace('-', '_')}"
    decide.__doc__ = f"{name.replace('-', ' ').capitalize()} (reason required to reject or ask for more)."
    return decide


for _name, _act in DECISIONS.items():
    blp.route(f"/admin/verifications/<int:business_id>/{_name}", methods=["POST"],
              endpoint=f"decide_{_name.replace('-', '_')}")(
        api_operator(blp.arguments(DecisionForm)(blp.response(200, DecisionOut)(_refusals(
            _decision_view(_name, _act))))))

