"""The deal's message thread: read it, and post to it with the other party's notification.

A post and its notification are one transaction. The row is keyed by (deal, author,
request_id), so a client that retries a post after a lost answer reaches the message it
already wrote instead of sending it twice (and the other party is notified once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.deal import Deal
from domain.messages import excerpt
from integrations.db.app_models import Business, Notification
from integrations.db.message_models import DealMessageRow

MESSAGES = DealMessageRow.__table__


@dataclass(frozen=True)
class MessageView:
    id: int
    author_business_id: int
    author_name: str
    body: str
    at: dt.datetime


def thread(session: Session, deal_id: str) -> list[MessageView]:
    """Every message of the deal, oldest first."""
    rows = session.execute(
        select(DealMessageRow, Business.name).join(Business, Business.id == DealMessageRow.author_business_id)
        .where(DealMessageRow.deal_id == deal_id).order_by(DealMessageRow.id)).all()
    return [MessageView(m.id, m.author_business_id, name, m.body, m.created_at) for m, name in rows]


def post_message(session: Session, deal: Deal, author_business_id: int, author_user_id: int, body: str,
                 request_id: str, now: dt.datetime) -> MessageView:
    """Add the message (checked by `domain.messages` beforehand) and notify the other party."""
    new_id = session.execute(
        insert(MESSAGES).values(deal_id=deal.deal_id, author_business_id=author_business_id,
                                author_user_id=author_user_id, body=body, request_id=request_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["deal_id", "author_business_id", "request_id"])
        .returning(MESSAGES.c.id)).scalar()
    row = session.scalars(select(DealMessageRow).where(
        DealMessageRow.deal_id == deal.deal_id, DealMessageRow.author_business_id == author_business_id,
        DealMessageRow.request_id == request_id)).one()
    author = session.get(Business, author_business_id)
    if new_id is not None:
        _notify(session, deal, row, author.name)
    return MessageView(row.id, author_business_id, author.name, row.body, row.created_at)


def _notify(session: Session, deal: Deal, row: DealMessageRow, author_name: str) -> None:
    session.execute(insert(Notification).values(
        business_id=deal.other_party(row.author_business_id), deal_id=deal.deal_id,
        dedupe_key=f"deal:{deal.deal_id}:message:{row.id}", kind="message",
        subject=f"New message on “{deal.terms.title}”", body=f"{author_name}: {excerpt(row.body)}",
        created_at=row.created_at, email_status="pending",
    ).on_conflict_do_nothing(index_elements=[Notification.dedupe_key]))
