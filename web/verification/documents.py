"""A verification case as a document: the shape of `inputs.CaseOut`, for the API and the pages."""

from __future__ import annotations

from typing import Any

from flask import Response, abort
from sqlalchemy.orm import Session

from domain.verification import STATUS_LABELS, Status
from integrations.db.verification_read_model import CaseView, document


def case_document(view: CaseView) -> dict[str, Any]:
    row, status = view.row, Status(view.status)
    return {
        "business_id": view.business_id, "business_name": view.business_name, "status": status.value,
        "status_label": STATUS_LABELS[status], "verified": status is Status.APPROVED,
        "registration_number": row.registration_number if row else "", "address": row.address if row else "",
        "representative": row.representative if row else "", "reason": row.reason if row else "",
        "waiting_since": row.waiting_since if row else None,
        "documents": view.documents,
        "timeline": [{"kind": e.kind, "summary": e.summary, "at": e.at} for e in view.events],
    }


def document_download(session: Session, business_id: int, sha256: str) -> Response:
    """One stored document by its SHA-256, or 404."""
    file = document(session, business_id, sha256)
    if file is None:
        abort(404)
    # An attachment: a document is evidence to read, never a page for the browser to run.
    return Response(file.data, mimetype=file.content_type, headers={
        "Content-Disposition": f'attachment; filename="{file.name.replace(chr(34), "")}"',
        "X-Content-Type-Options": "nosniff"})
