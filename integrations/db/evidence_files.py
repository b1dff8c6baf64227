"""Evidence files' bytes: stored by the web once checked (size, type, SHA-256), before the
dispute records the submission that names them; removed again if the dispute refuses it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from integrations.db.dispute_models import EvidenceFileBlob


def store_evidence_file(session: Session, deal_id: str, sha256: str, content_type: str, data: bytes,
                        uploaded_by: int, at: dt.datetime) -> bool:
    """Store checked bytes; False if this case already holds the same file (same hash)."""
    stored = session.execute(insert(EvidenceFileBlob).values(
        deal_id=deal_id, sha256=sha256, content_type=content_type, size_bytes=len(data), data=data,
        uploaded_by=uploaded_by, created_at=at,
    ).on_conflict_do_nothing(index_elements=["deal_id", "sha256"]).returning(EvidenceFileBlob.id)).first()
    return stored is not None


def forget_evidence_files(session: Session, deal_id: str, hashes: list[str]) -> None:
    """Undo `store_evidence_file` for a submission the dispute refused after all."""
    if hashes:
        session.execute(delete(EvidenceFileBlob).where(EvidenceFileBlob.deal_id == deal_id,
                                                       EvidenceFileBlob.sha256.in_(hashes)))
