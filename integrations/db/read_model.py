"""Writes of the deal read model: one deal step, applied in the caller's transaction.

Called only by the deal-step activity. The timeline row keyed by (deal, seq) is claimed first,
so a retried step finds its own earlier write and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.deal import Deal
from domain.stages import Stage
from domain.steps import Step
from integrations.db.app_models import DealEvent, DealRow, Notification, ReviewRow
from integrations.db.deal_json import deal_to_json

# Core statements on the tables, not ORM-enabled ones on the models: a step writes rows it
# never loads back, and the ORM's bulk-insert plumbing was over half of a step's Python time.
DEALS, EVENTS, NOTICES, REVIEWS = DealRow.__table__, DealEvent.__table__, Notification.__table__, ReviewRow.__table__


def save_deal(session: Session, deal: Deal, at: dt.datetime) -> None:
    values = dict(
        buyer_id=deal.buyer_id, seller_id=deal.seller_id, listing_id=deal.terms.listing_id,
        title=deal.terms.title, model=deal.terms.model.value, stage=deal.stage.value, ring_id=deal.terms.ring_id,
        version=deal.version, next_deadline_at=min(deal.deadlines().values(), default=None),
        state=deal_to_json(deal), updated_at=at,
    )
    statement = insert(DEALS).values(deal_id=deal.deal_id, created_at=deal.created_at, **values)
    # Only a newer version may overwrite the row: steps of one deal are serial, but a
    # retried older step must never roll the read model back.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[DEALS.c.deal_id], set_=values, where=DEALS.c.version < deal.version
        )
    )


def claim_step(session: Session, deal: Deal, step: Step) -> bool:
    """Record the deal and its timeline entry; False if this step was recorded before."""
    save_deal(session, deal, step.at)
    claimed = session.execute(
        insert(EVENTS).values(deal_id=deal.deal_id, seq=step.seq, kind=step.kind,
                              actor_id=step.actor_id, summary=step.summary, at=step.at)
        .on_conflict_do_nothing(index_elements=[EVENTS.c.deal_id, EVENTS.c.seq])
        .returning(EVENTS.c.id)
    ).first()
    return claimed is not None


def add_notices(session: Session, deal: Deal, step: Step) -> None:
    """All of the step's notices in one statement."""
    if not step.notices:
        return
    session.execute(insert(NOTICES).values([
        dict(business_id=notice.business_id, deal_id=deal.deal_id,
             dedupe_key=f"deal:{deal.deal_id}:{step.seq}:{index}", kind=notice.kind,
             subject=notice.subject, body=notice.body, created_at=step.at, email_status="pending")
        for index, notice in enumerate(step.notices)
    ]).on_conflict_do_nothing(index_elements=[NOTICES.c.dedupe_key]))


def save_reviews(session: Session, deal: Deal) -> None:
    for review in deal.reviews:
        session.execute(
            insert(REVIEWS).values(
                deal_id=deal.deal_id, author_id=review.author_id, subject_id=review.subject_id,
                quality=review.quality, timeliness=review.timeliness,
                communication=review.communication, comment=review.comment, at=review.at,
                revealed=deal.reviews_revealed,
            ).on_conflict_do_update(
                index_elements=[REVIEWS.c.deal_id, REVIEWS.c.author_id],
                set_={"revealed": deal.reviews_revealed},
            )
        )


def record_notices_and_reviews(session: Session, deal: Deal, step: Step) -> None:
    add_notices(session, deal, step)
    if deal.stage in (Stage.RATING, Stage.CLOSED):
        save_reviews(session, deal)
