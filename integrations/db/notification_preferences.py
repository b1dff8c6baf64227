"""A business's notification preferences: read for the outbox (many at once) and the settings
page, written by the settings page and the API. No row means the platform defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.notification_policy import TOPIC_BY_NAME, Channel, Preferences, QuietHours
from integrations.db.notification_models import NotificationSettings

# The mail outbox reads this on every pass that finds mail: a plain statement built once, rows
# as tuples (building the ORM select and loading its objects cost more than the query).
SETTINGS_OF = text("""
    SELECT business_id, channels, time_zone, quiet_start, quiet_end, daily_cap, digest_at
      FROM notification_settings WHERE business_id = ANY(CAST(:ids AS bigint[]))""")


def _preferences(row) -> Preferences:
    channels = {name: Channel(value) for name, value in row.channels.items() if name in TOPIC_BY_NAME}
    quiet = QuietHours(row.quiet_start, row.quiet_end) if row.quiet_start and row.quiet_end else None
    return Preferences(channels=channels, quiet_hours=quiet, time_zone=row.time_zone, daily_cap=row.daily_cap,
                       digest_at=row.digest_at)


def preferences_for(session: Session, business_ids: Iterable[int]) -> dict[int, Preferences]:
    """Every business asked for, the defaults for those that never changed anything."""
    ids = set(business_ids)
    found = {row.business_id: _preferences(row) for row in session.execute(SETTINGS_OF, {"ids": list(ids)})}
    return {business_id: found.get(business_id, Preferences()) for business_id in ids}


def preferences_of(session: Session, business_id: int) -> Preferences:
    return preferences_for(session, [business_id])[business_id]


def save_preferences(session: Session, business_id: int, prefs: Preferences, now: dt.datetime) -> None:
    quiet = prefs.quiet_hours
    values = dict(channels={name: str(channel) for name, channel in prefs.channels.items()},
                  time_zone=prefs.time_zone, quiet_start=quiet.start if quiet else None,
                  quiet_end=quiet.end if quiet else None, daily_cap=prefs.daily_cap, digest_at=prefs.digest_at,
                  updated_at=now)
    session.execute(insert(NotificationSettings).values(business_id=business_id, **values)
                    .on_conflict_do_update(index_elements=[NotificationSettings.business_id], set_=values))
    session.commit()
