"""The verification read model: one workflow step applied in the caller's transaction, the
documents' bytes, and the reads the web needs (who is verified, the review queue, a case).

The timeline row keyed by (business, version) is claimed first, so a retried step finds its
own earlier write and changes nothing (the credit line is granted once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from temporalio.converter import value_to_type

from domain.evidence import EvidenceFile
from domain.ledger import member_account
from domain.money import CREDITS
from domain.verification import Status, Verification, VerificationStep
from integrations.db.app_models import Business, Notification
from integrations.db.dispute_models import StaffAlertRow
from integrations.db.dispute_read_model import to_json
from integrations.db.ledger import Ledger
from integrations.db.verification_models import VerificationDocument, VerificationEvent, VerificationRow


def record_verification_step(session: Session, step: VerificationStep, actor_user_id: int | None) -> bool:
    """Apply the step; False if it was recorded before (a retried activity)."""
    case = step.verification
    claimed = session.execute(insert(VerificationEvent).values(
        business_id=case.business_id, version=case.version, kind=step.event, actor_user_id=actor_user_id,
        summary=step.summary, at=step.at,
    ).on_conflict_do_nothing(index_elements=["business_id", "version"]).returning(VerificationEvent.id)).first()
    if claimed is None:
        return False
    _save(session, case, step.at)
    for index, notice in enumerate(step.notices):
        values = dict(dedupe_key=f"{step.key}:{index}", kind=notice.kind, subject=notice.subject,
                      body=notice.body, created_at=step.at)
        if notice.to == "business":
            session.execute(insert(Notification).values(business_id=case.business_id, deal_id=None,
                                                         email_status="pending", **values)
                            .on_conflict_do_nothing(index_elements=[Notification.dedupe_key]))
        else:  # no user: the alert is for every admin
            session.execute(insert(StaffAlertRow).values(deal_id=None, user_id=None, **values)
                            .on_conflict_do_nothing(index_elements=[StaffAlertRow.dedupe_key]))
    if step.event == "approved":
        Ledger(session).set_credit_limit(member_account(case.business_id, CREDITS), case.policy.credit_line_minor)
    return True


def _save(session: Session, case: Verification, at: dt.datetime) -> None:
    submission = case.submission
    values: dict[str, Any] = dict(
        status=case.status.value, version=case.version, reason=case.reason, waiting_since=case.waiting_since,
        decided_by=case.decided_by, state=to_json(case), updated_at=at,
        registration_number=submission.registration_number if submission else "",
        address=submission.address if submission else "",
        representative=submission.representative if submission else "")
    session.execute(insert(VerificationRow).values(business_id=case.business_id, **values)
                    .on_conflict_do_update(index_elements=[VerificationRow.business_id], set_=values))


def verification_from_json(state: dict[str, Any]) -> Verification:
    return value_to_type(Verification, state)


def mark_verified(session: Session, business_id: int, at: dt.datetime, why: str) -> None:
    """A business verified outside the workflow (demo seed, test builders): no case to review."""
    values = dict(status=Status.APPROVED.value, version=0, reason=why, state={}, updated_at=at)
    session.execute(insert(VerificationRow).values(business_id=business_id, **values)
                    .on_conflict_do_update(index_elements=[VerificationRow.business_id], set_=values))


# ---- documents --------------------------------------------------------------------------------
def store_documents(session: Session, business_id: int, user_id: int, files: list[tuple[EvidenceFile, bytes]],
                    at: dt.datetime) -> list[str]:
    """Store checked bytes; the hashes newly stored (a file sent again is kept once)."""
    stored = []
    for file, data in files:
        row = session.execute(insert(VerificationDocument).values(
            business_id=business_id, sha256=file.sha256, name=file.name, content_type=file.media_type,
            size_bytes=len(data), data=data, uploaded_by=user_id, created_at=at,
        ).on_conflict_do_nothing(index_elements=["business_id", "sha256"]).returning(VerificationDocument.id)).first()
        if row is not None:
            stored.append(file.sha256)
    return stored


def forget_documents(session: Session, business_id: int, hashes: list[str]) -> None:
    """Undo `store_documents` for a submission the workflow refused after all."""
    if hashes:
        session.execute(delete(VerificationDocument).where(VerificationDocument.business_id == business_id,
                                                           VerificationDocument.sha256.in_(hashes)))


def document(session: Session, business_id: int, sha256: str) -> VerificationDocument | None:
    return session.scalar(select(VerificationDocument).where(VerificationDocument.business_id == business_id,
                                                             VerificationDocument.sha256 == sha256))


# ---- reads -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseView:
    business_id: int
    business_name: str
    status: str
    row: VerificationRow | None
    events: list[VerificationEvent]
    documents: list[dict[str, Any]]


# Every proposal checks both parties: a plain statement built once (an expanding IN built per
# call cost the web more CPU than PostgreSQL spends answering it).
VERIFIED_AMONG = text("SELECT business_id FROM verifications "
                      "WHERE business_id = ANY(CAST(:ids AS bigint[])) AND status = :approved")


def verified_ids(session: Session, business_ids: list[int]) -> set[int]:
    return set(session.scalars(VERIFIED_AMONG, {"ids": list(business_ids), "approved": Status.APPROVED.value}))


def is_verified(session: Session, business_id: int) -> bool:
    return bool(verified_ids(session, [business_id]))


def case_view(session: Session, business_id: int) -> CaseView | None:
    name = session.scalar(select(Business.name).where(Business.id == business_id))
    if name is None:
        return None
    row = session.get(VerificationRow, business_id)
    events = list(session.scalars(select(VerificationEvent).where(VerificationEvent.business_id == business_id)
                                  .order_by(VerificationEvent.version)))
    documents = [dict(name=d.name, content_type=d.content_type, size_bytes=d.size_bytes, sha256=d.sha256,
                      uploaded_at=d.created_at) for d in session.execute(
        select(VerificationDocument.name, VerificationDocument.content_type, VerificationDocument.size_bytes,
               VerificationDocument.sha256, VerificationDocument.created_at)
        .where(VerificationDocument.business_id == business_id).order_by(VerificationDocument.id))]
    return CaseView(business_id, name, row.status if row else Status.NONE.value, row, events, documents)


def review_queue(session: Session) -> list[dict[str, Any]]:
    """Cases waiting on someone, the admins' first, oldest first."""
    rows = session.execute(
        select(VerificationRow, Business.name).join(Business, Business.id == VerificationRow.business_id)
        .where(VerificationRow.status.in_((Status.SUBMITTED.value, Status.INFO_REQUESTED.value)))
        .order_by(VerificationRow.status != Status.SUBMITTED.value, VerificationRow.waiting_since)).all()
    return [dict(business_id=row.business_id, business_name=name, status=row.status,
                 registration_number=row.registration_number, waiting_since=row.waiting_since)
            for row, name in rows]
