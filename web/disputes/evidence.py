"""Evidence uploads from the dispute page, through the API's own checks (size, type against the
bytes, SHA-256: web/api/evidence_upload.py) and file store (integrations/db/evidence_files.py).

Nothing is read before the rules say the party may submit now, nothing is stored before every
file passed, and the stored files are committed only once the dispute workflow accepted the
submission: a refusal there (the deadline may just have passed) rolls them back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from domain.dispute_stages import DisputeAction
from domain.disputes import Dispute
from domain.evidence import MB, EvidenceRules
from integrations.db.evidence_files import store_evidence_file
from web.api.evidence_upload import checked_files
from web.deal_service import deal_service
from workflows.dispute_messages import DisputeCommand, DisputeReply

# The request may carry the most the rules allow; the app's usual 1 MB would refuse evidence
# with a bare 413 long before the rules could say which file is too large and why.
UPLOAD_LIMIT = EvidenceRules().max_files * EvidenceRules().max_file_bytes + MB


def submit_evidence(session: Session, dispute: Dispute, business_id: int, user_id: int, statement: str,
                    uploads: Iterable[FileStorage], now: dt.datetime) -> DisputeReply:
    dispute.check(DisputeAction.SUBMIT_EVIDENCE, business_id, now)
    files = [u for u in uploads if u and u.filename]  # an empty file input sends one nameless part
    checked = checked_files(statement, files, dispute.policy.evidence)
    try:
        for file, data in checked:
            store_evidence_file(session, dispute.deal_id, file.sha256, file.media_type, data, business_id, now)
        reply = deal_service().dispute_act(dispute.deal_id, DisputeCommand(
            DisputeAction.SUBMIT_EVIDENCE, business_id, user_id, statement=statement,
            files=tuple(f for f, _ in checked)))
    except Exception:
        session.rollback()
        raise
    session.commit()
    return reply
