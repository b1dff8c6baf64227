"""Evidence uploads from the dispute page: hash, check, store, then submit.

A submission is checked whole by the domain's rules (size, type, name, statement) before any
byte is stored, and the stored files are committed only once the dispute workflow has accepted
the submission: a refusal — by the rules here or by the workflow, which checks again under its
lock (the deadline may just have passed) — leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from domain.dispute_stages import DisputeAction
from domain.disputes import Dispute
from domain.evidence import MB, EvidenceFile, EvidenceRules
from integrations.db.dispute_models import EvidenceFileBlob
from web.disputes.service import disputes
from workflows.dispute_messages import DisputeCommand, DisputeReply

# The whole request may carry one file of the largest size the rules allow, and the form; the
# app's usual 1 MB limit would refuse evidence long before the rules could say why.
UPLOAD_LIMIT = EvidenceRules().max_file_bytes + MB


def media_type(upload: FileStorage) -> str:
    """The type the file's name says, else the browser's (which often says octet-stream)."""
    guessed, _ = mimetypes.guess_type(upload.filename or "")
    return guessed or upload.mimetype or "application/octet-stream"


def read_uploads(uploads: Iterable[FileStorage]) -> list[tuple[EvidenceFile, bytes]]:
    found = []
    for upload in uploads:
        if not upload or not upload.filename:
            continue  # the empty file input of a statement-only submission
        data = upload.read()
        found.append((EvidenceFile(upload.filename, media_type(upload), len(data),
                                   hashlib.sha256(data).hexdigest()), data))
    return found


def submit_evidence(session: Session, dispute: Dispute, business_id: int, user_id: int, statement: str,
                    uploads: Iterable[FileStorage], now: dt.datetime) -> DisputeReply:
    dispute.check(DisputeAction.SUBMIT_EVIDENCE, business_id, now)
    files = read_uploads(uploads)
    dispute.policy.evidence.check(statement, tuple(f for f, _ in files))
    for file, data in files:
        session.execute(insert(EvidenceFileBlob).values(
            deal_id=dispute.deal_id, sha256=file.sha256, content_type=file.media_type, size_bytes=file.size_bytes,
            data=data, uploaded_by=business_id, created_at=now,
        ).on_conflict_do_nothing(index_elements=["deal_id", "sha256"]))
    reply = disputes().act(dispute.deal_id, DisputeCommand(
        DisputeAction.SUBMIT_EVIDENCE, business_id, user_id, statement=statement,
        files=tuple(f for f, _ in files)))
    session.commit()  # only now: a refused submission raised above, and the session rolls back
    return reply
