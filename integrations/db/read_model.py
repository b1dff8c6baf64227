"""Writes of the deal read model: one deal step, applied in the caller's transaction.

Called only by the deal-step activity. The timeline row keyed by (deal, seq) is claimed first,
so a retried step finds its own earlier write and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from domain.deal import Deal
from domain.stages import Stage
from domain.steps import Step
from integrations.db.deal_json import deal_to_json_text

# Plain statements, built once: a step writes rows it never loads back, and building and
# compiling an ORM or Core insert per call was over half of a step's Python time (the ORM's
# bulk-insert plumbing first, then the Core statement's construction and cache key).
_UPSERT_DEAL = """
    INSERT INTO deals (deal_id, buyer_id, seller_id, listing_id, title, model, stage, ring_id, version,
                       next_deadline_at, state, created_at, updated_at)
    VALUES (:deal_id, :buyer_id, :seller_id, :listing_id, :title, :model, :stage, :ring_id, :version,
            :next_deadline_at, CAST(:state AS jsonb), :created_at, :updated_at)
    ON CONFLICT (deal_id) DO UPDATE SET
        buyer_id = excluded.buyer_id, seller_id = excluded.seller_id, listing_id = excluded.listing_id,
        title = excluded.title, model = excluded.model, stage = excluded.stage, ring_id = excluded.ring_id,
        version = excluded.version, next_deadline_at = excluded.next_deadline_at, state = excluded.state,
        updated_at = excluded.updated_at
    -- Only a newer version may overwrite the row: steps of one deal are serial, but a retried
    -- older step must never roll the read model back.
    WHERE deals.version < excluded.version"""
UPSERT_DEAL = text(_UPSERT_DEAL)
# The deal's row and its timeline entry in one round trip: a data-modifying WITH runs whether or
# not the outer statement reads it, and the timeline's reference to the deal is checked at the
# end of the statement, when the deal's row is there.
SAVE_DEAL_AND_CLAIM_EVENT = text(f"""
    WITH saved AS ({_UPSERT_DEAL})
    INSERT INTO deal_events (deal_id, seq, kind, actor_id, summary, at)
    VALUES (:deal_id, :seq, :kind, :actor_id, :summary, :at)
    ON CONFLICT (deal_id, seq) DO NOTHING RETURNING id""")
ADD_NOTICE = text("""
    INSERT INTO notifications (business_id, deal_id, dedupe_key, kind, subject, body, created_at,
                               email_status, email_attempts)
    VALUES (:business_id, :deal_id, :dedupe_key, :kind, :subject, :body, :created_at, 'pending', 0)
    ON CONFLICT (dedupe_key) DO NOTHING""")
SAVE_REVIEW = text("""
    INSERT INTO reviews (deal_id, author_id, subject_id, quality, timeliness, communication, comment, at, revealed)
    VALUES (:deal_id, :author_id, :subject_id, :quality, :timeliness, :communication, :comment, :at, :revealed)
    ON CONFLICT (deal_id, author_id) DO UPDATE SET revealed = excluded.revealed""")


def _deal_row(deal: Deal, at: dt.datetime) -> dict:
    return dict(
        deal_id=deal.deal_id, buyer_id=deal.buyer_id, seller_id=deal.seller_id, listing_id=deal.terms.listing_id,
        title=deal.terms.title, model=deal.terms.model.value, stage=deal.stage.value, ring_id=deal.terms.ring_id,
        version=deal.version, next_deadline_at=min(deal.deadlines().values(), default=None),
        state=deal_to_json_text(deal), created_at=deal.created_at, updated_at=at)


def save_deal(session: Session, deal: Deal, at: dt.datetime) -> None:
    session.execute(UPSERT_DEAL, _deal_row(deal, at))


def claim_step(session: Session, deal: Deal, step: Step) -> bool:
    """Record the deal and its timeline entry; False if this step was recorded before."""
    claimed = session.execute(SAVE_DEAL_AND_CLAIM_EVENT, dict(
        _deal_row(deal, step.at), seq=step.seq, kind=step.kind, actor_id=step.actor_id, summary=step.summary,
        at=step.at)).first()
    return claimed is not None


def add_notices(session: Session, deal: Deal, step: Step) -> None:
    """All of the step's notices in one round trip."""
    if not step.notices:
        return
    session.execute(ADD_NOTICE, [
        dict(business_id=notice.business_id, deal_id=deal.deal_id,
             dedupe_key=f"deal:{deal.deal_id}:{step.seq}:{index}", kind=notice.kind,
             subject=notice.subject, body=notice.body, created_at=step.at)
        for index, notice in enumerate(step.notices)
    ])


def save_reviews(session: Session, deal: Deal) -> None:
    if deal.reviews:
        session.execute(SAVE_REVIEW, [
            dict(deal_id=deal.deal_id, author_id=review.author_id, subject_id=review.subject_id,
                 quality=review.quality, timeliness=review.timeliness, communication=review.communication,
                 comment=review.comment, at=review.at, revealed=deal.reviews_revealed)
            for review in deal.reviews])


def record_notices_and_reviews(session: Session, deal: Deal, step: Step) -> None:
    add_notices(session, deal, step)
    if deal.stage in (Stage.RATING, Stage.CLOSED):
        save_reviews(session, deal)
