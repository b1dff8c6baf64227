"""Read marks on a member's inbox: the only change the web makes to notifications."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from integrations.db.app_models import Notification


def mark_read(session: Session, business_id: int, notification_id: int) -> bool:
    """False when the notification is not this business's (the caller answers 404)."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.business_id == business_id)
        # coalesce keeps the first read time when a notification is marked read twice
        .values(read_at=func.coalesce(Notification.read_at, dt.datetime.now(dt.UTC)))
    )
    session.commit()
    return result.rowcount == 1


def mark_all_read(session: Session, business_id: int) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.business_id == business_id, Notification.read_at.is_(None))
        .values(read_at=dt.datetime.now(dt.UTC))
    )
    session.commit()
    return result.rowcount
