"""The daily digest: one email per business and local day, summarising every notification its
preferences (or the daily cap, or a saved search) sent there.

Run by the worker's mail loop (MailOutbox.run_forever), not by a Temporal Schedule: each member
has their own time zone and digest time, so "due" is a per-member question asked every pass,
and the answer is cheap (one query for who has anything waiting). Never two digests for one
day: the digest's row (unique per business and day) is written in the same transaction that
marks its notifications 'digested', before the email goes out; if the email fails the whole
transaction rolls back and the next pass tries again. A crash between the send and the commit
can repeat the email, with the same Message-ID (derived from business and day), so it is
recognisable as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import ExitStack
from hashlib import sha1

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.notification_policy import digest_due
from integrations.db.app_models import Notification, User
from integrations.db.notification_models import NotificationDigest
from integrations.db.notification_preferences import preferences_for
from integrations.db.session import unit_of_work
from integrations.email.errors import MailRejected, MailUnavailable
from integrations.email.smtp import OutgoingEmail, SmtpMailer

log = logging.getLogger(__name__)
MAX_ITEMS = 200  # a digest longer than this is unread; the rest wait for tomorrow's


# One round trip for a whole outbox batch, whatever the number of businesses in it.
SENT_SINCE = text("""
    SELECT p.business_id,
           (SELECT count(*) FROM notifications n
             WHERE n.business_id = p.business_id AND n.emailed_at >= p.since)
         + (SELECT count(*) FROM notification_digests d
             WHERE d.business_id = p.business_id AND d.sent_at >= p.since) AS sent
      FROM unnest(CAST(:ids AS bigint[]), CAST(:sinces AS timestamptz[])) AS p(business_id, since)""")


def emails_sent_since(session: Session, since: dict[int, dt.datetime]) -> dict[int, int]:
    """Each business's emails since its own `since`: notifications emailed one by one, and digests."""
    if not since:
        return {}
    ids = list(since)
    rows = session.execute(SENT_SINCE, dict(ids=ids, sinces=[since[b] for b in ids]))
    return {business_id: sent for business_id, sent in rows}


class DailyDigests:
    def __init__(self, database_url: str, mailer: SmtpMailer, base_url: str,
                 clock: Callable[[], dt.datetime]) -> None:
        self._database_url = database_url
        self._mailer = mailer
        self._base_url = base_url
        self._clock = clock

    def send_due(self) -> int:
        """Send every digest that is due now; returns how many went out."""
        now = self._clock()
        with unit_of_work(self._database_url) as session:
            waiting = set(session.scalars(select(Notification.business_id).where(
                Notification.email_status == "digest").distinct()))
            if not waiting:
                return 0
            prefs = preferences_for(session, waiting)
            rows = session.execute(select(NotificationDigest.business_id, func.max(NotificationDigest.day))
                                   .where(NotificationDigest.business_id.in_(waiting))
                                   .group_by(NotificationDigest.business_id))
            last = {business_id: day for business_id, day in rows}
        due = sorted(b for b in waiting if digest_due(prefs[b], now, last.get(b)))
        sent = 0
        for business_id in due:
            try:
                sent += self._send(business_id, prefs[business_id].day_of(now), now)
            except IntegrityError:
                continue  # another worker sent this business's digest for the day first
            except MailUnavailable:
                break  # the mail server is down: every digest waits for the next pass
        return sent

    def _send(self, business_id: int, day: dt.date, now: dt.datetime) -> int:
        with unit_of_work(self._database_url) as session, ExitStack() as smtp:
            items = session.scalars(
                select(Notification).where(Notification.business_id == business_id,
                                           Notification.email_status == "digest")
                .order_by(Notification.id).limit(MAX_ITEMS).with_for_update(skip_locked=True)).all()
            if not items:
                return 0
            session.add(NotificationDigest(business_id=business_id, day=day, items=len(items), sent_at=now))
            session.flush()  # the unique (business, day) refuses a second digest before any email
            for item in items:
                item.email_status = "digested"
            recipients = session.scalars(select(User.email).where(User.business_id == business_id)
                                         .order_by(User.id)).all()
            deliver = smtp.enter_context(self._mailer.connection())
            for address in recipients:
                try:
                    deliver(self._email(business_id, day, items, address))
                except MailRejected:
                    log.warning("digest for business %s refused for %s", business_id, address)
            return 1

    def _email(self, business_id: int, day: dt.date, items: list[Notification], address: str) -> OutgoingEmail:
        lines = [f"Your Tradepact digest for {day:%A %d %B %Y}: {len(items)} update{'s' if len(items) != 1 else ''}.",
                 ""]
        for item in items:
            path = item.link or (f"/deals/{item.deal_id}" if item.deal_id else "")
            lines += [f"* {item.subject}", f"  {item.body}"] + ([f"  {self._base_url}{path}"] if path else []) + [""]
        lines += [f"Your inbox: {self._base_url}/inbox",
                  f"Choose what is emailed and when: {self._base_url}/account/notifications", "", "— Tradepact"]
        return OutgoingEmail(
            to=address, subject=f"Your daily digest: {len(items)} update{'s' if len(items) != 1 else ''}",
            text="\n".join(lines),
            message_id=f"<digest{business_id}.{day:%Y%m%d}.{sha1(address.encode()).hexdigest()[:12]}@tradepact.local>",
        )
