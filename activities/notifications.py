"""The mail outbox: emails for notifications that deal and dispute steps wrote (and for staff
alerts: an arbitrator's cases, the operators' escalations), sent after commit.

Deal steps only insert notification rows (pending email) inside their transaction; this
dispatcher sends them afterwards, so a step never waits on SMTP and a mail server outage
delays email without touching money. Delivery is at least once; the Message-ID is derived
from the notification so a duplicate is recognisable.

The member's preferences apply here, at send time (domain/notification_policy.py), so no step
knows about them: each pending email is sent, held through quiet hours (`email_not_before`,
decided again when it passes), kept for the digest, or left in the inbox only. The daily digest
of what is kept is sent by the same loop (activities/notification_digests.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack
from hashlib import sha1

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from activities.notification_digests import DailyDigests, emails_sent_since
from domain.notification_policy import Decision, Route, decide
from integrations.db.app_models import Notification, User
from integrations.db.dispute_models import StaffAlertRow
from integrations.db.notification_preferences import preferences_for
from integrations.db.session import unit_of_work
from integrations.email.errors import MailRejected, MailUnavailable
from integrations.email.smtp import OutgoingEmail, SmtpMailer

log = logging.getLogger(__name__)


def _route(notification: Notification, decision: Decision) -> None:
    if decision.route is Route.HOLD:
        notification.email_not_before = decision.until
    else:
        notification.email_status = "digest" if decision.route is Route.DIGEST else "none"


Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MailOutbox:
    def __init__(self, database_url: str, mailer: SmtpMailer, base_url: str = "", clock: Clock = utc_now) -> None:
        self._database_url = database_url
        self._mailer = mailer
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self.digests = DailyDigests(database_url, mailer, self._base_url, clock)

    def send_pending(self, limit: int = 50) -> int:
        """Deal with up to `limit` pending emails as each member's preferences say (send now, hold
        through quiet hours, keep for the digest, or leave in the inbox only: notification_policy);
        returns how many were dealt with."""
        now = self._clock()
        done = 0
        with unit_of_work(self._database_url) as session, ExitStack() as smtp:
            due = or_(Notification.email_not_before.is_(None), Notification.email_not_before <= now)
            pending = session.scalars(
                select(Notification).where(Notification.email_status == "pending", due)
                .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)
            ).all()
            if not pending:
                return 0
            prefs = preferences_for(session, {n.business_id for n in pending})
            sent_today = emails_sent_since(session, {b: p.day_started_at(now) for b, p in prefs.items()})
            addresses = self._addresses(session, set(prefs))
            deliver = None
            for notification in pending:
                decision = decide(notification.kind, prefs[notification.business_id],
                                  sent_today[notification.business_id], now)
                if decision.route is not Route.SEND_NOW:
                    _route(notification, decision)
                    done += 1
                    continue
                if deliver is None:
                    try:
                        deliver = smtp.enter_context(self._mailer.connection())
                    except MailUnavailable:
                        break  # the mail server is down: the rest wait for the next pass
                recipients = addresses.get(notification.business_id, [])
                notification.email_attempts += 1
                try:
                    for address in recipients:
                        deliver(self._email(notification, address))
                except MailRejected:
                    notification.email_status = "failed"  # refused for good: the inbox still has it
                    continue
                except MailUnavailable:
                    break  # the mail server is down: the rest wait for the next pass
                notification.email_status = "sent" if recipients else "none"
                notification.emailed_at = now
                sent_today[notification.business_id] += 1
                done += 1
        return done

    def send_digests(self) -> int:
        return self.digests.send_due()

    def send_staff_alerts(self, limit: int = 50) -> int:
        """Email alerts for staff: to the arbitrator named, or to every admin (the operators)."""
        sent = 0
        with unit_of_work(self._database_url) as session, ExitStack() as smtp:
            pending = session.scalars(
                select(StaffAlertRow).where(StaffAlertRow.email_status == "pending")
                .order_by(StaffAlertRow.id).limit(limit).with_for_update(skip_locked=True)).all()
            if not pending:
                return 0
            try:
                deliver = smtp.enter_context(self._mailer.connection())
            except MailUnavailable:
                return 0
            for alert in pending:
                who = User.id == alert.user_id if alert.user_id is not None else User.role == "admin"
                recipients = session.scalars(select(User.email).where(who)).all()
                link = f"\n\n{self._base_url}/api/v1/deals/{alert.deal_id}/dispute" if alert.deal_id else ""
                try:
                    for address in recipients:
                        deliver(OutgoingEmail(
                            to=address, subject=alert.subject, text=f"{alert.body}{link}\n\n— Tradepact",
                            message_id=f"<a{alert.id}.{sha1(address.encode()).hexdigest()[:12]}@tradepact.local>"))
                except MailRejected:
                    alert.email_status = "failed"
                    continue
                except MailUnavailable:
                    break
                alert.email_status = "sent" if recipients else "none"
                sent += 1
        return sent

    @staticmethod
    def _addresses(session: Session, business_ids: set[int]) -> dict[int, list[str]]:
        """Every login's address per business, for the whole batch in one query."""
        addresses: dict[int, list[str]] = {}
        rows = session.execute(select(User.business_id, User.email).where(User.business_id.in_(business_ids))
                               .order_by(User.id))
        for business_id, email in rows:
            addresses.setdefault(business_id, []).append(email)
        return addresses

    def _email(self, notification: Notification, address: str) -> OutgoingEmail:
        path = notification.link or (f"/deals/{notification.deal_id}" if notification.deal_id else "")
        link = f"\n\n{self._base_url}{path}" if path else ""
        return OutgoingEmail(
            to=address,
            subject=notification.subject,
            text=f"{notification.body}{link}\n\n— Tradepact",
            message_id=f"<n{notification.id}.{sha1(address.encode()).hexdigest()[:12]}@tradepact.local>",
        )

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.send_pending()
                self.send_staff_alerts()
                self.send_digests()
            except Exception:  # the dispatcher must outlive a database or mail outage
                log.exception("mail outbox pass failed; retrying")
            stop.wait(interval)

