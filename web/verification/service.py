"""The one place the web turns a verification request into a workflow command, for HTML forms and
the JSON API alike: the rule is asked first against the read model, documents are checked (size,
type against the bytes, SHA-256: web/api/evidence_upload.py) and stored, and kept only if the
workflow accepts the submission.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from domain.dispute_errors import EvidenceRefused
from domain.evidence import MB
from domain.verification import DOCUMENT_RULES, Act, Status, Submission, Verification
from integrations.db.verification_read_model import case_view, forget_documents, store_documents
from web.api.evidence_upload import checked_files
from workflows.verification_messages import VerificationCommand, VerificationReply

EXTENSION = "tradepact.verification"
# A submission may carry every document at its largest; the app's 1 MB limit would answer a
# bare 413 before the rules could say which file is too large.
UPLOAD_LIMIT = DOCUMENT_RULES.max_files * DOCUMENT_RULES.max_file_bytes + MB
UPLOAD_ENDPOINTS = ("verification.submit", "api_verification.submit")


def install(app: Flask, gateway: Any) -> None:
    app.extensions[EXTENSION] = gateway


def gateway() -> Any:
    return current_app.extensions[EXTENSION]


def current_status(session: Session, business_id: int) -> Status:
    view = case_view(session, business_id)
    return Status(view.status) if view else Status.NONE


def submit(session: Session, business_id: int, user_id: int, data: dict[str, Any],
           uploads: Iterable[FileStorage], now: Any) -> VerificationReply:
    Verification(business_id, current_status(session, business_id)).check(Act.SUBMIT, is_admin=False)
    files = [u for u in uploads if u and u.filename]  # an empty file input sends one nameless part
    if not files:
        raise EvidenceRefused("attach at least one document (PDF, PNG or JPEG)", field="documents")
    try:
        checked = checked_files(data.get("note", ""), files, DOCUMENT_RULES)
    except EvidenceRefused as refused:
        raise EvidenceRefused(refused.message, field="documents") from refused
    submission = Submission(data["registration_number"], data["address"], data["representative"],
                            tuple(f for f, _ in checked), data.get("note", ""))
    submission.check()  # refused here: nothing is stored
    stored = store_documents(session, business_id, user_id, checked, now)
    session.commit()
    try:
        return gateway().act(business_id, VerificationCommand(Act.SUBMIT, user_id, submission=submission))
    except Exception:
        session.rollback()
        forget_documents(session, business_id, stored)  # the workflow refused it: keep nothing of it
        session.commit()
        raise


def decide(session: Session, business_id: int, admin_id: int, act: Act, reason: str = "") -> VerificationReply:
    Verification(business_id, current_status(session, business_id)).check(act, is_admin=True)
    return gateway().act(business_id, VerificationCommand(act, admin_id, is_admin=True, reason=reason))
