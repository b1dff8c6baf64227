"""The outbox applies each member's preferences at send time, and sends the daily digest once."""

from __future__ import annotations

import datetime as dt
import uuid

from activities.notifications import MailOutbox
from domain.notification_policy import Channel, Preferences, QuietHours
from integrations.db.app_models import Notification
from integrations.db.notification_preferences import save_preferences
from integrations.db.session import session_factory, unit_of_work
from integrations.email.smtp import SmtpMailer
from tests.activities.test_mail_outbox import drain, inbox, mailsink  # noqa: F401  (the module's sink)
from tests.builders import a_business

NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def a_member_with(database_url: str, prefs: Preferences):
    member = a_business(database_url)
    with session_factory(database_url)() as session:
        save_preferences(session, member.business_id, prefs, NOON)
    return member


def notify(database_url: str, business_id: int, kind: str, subject: str, at: dt.datetime) -> None:
    with unit_of_work(database_url) as session:
        session.add(Notification(business_id=business_id, dedupe_key=f"test:{uuid.uuid4()}", kind=kind,
                                 subject=subject, body=f"About: {subject}.", created_at=at, email_status="pending"))


def status_of(database_url: str, business_id: int) -> dict[str, str]:
    with session_factory(database_url)() as session:
        rows = session.query(Notification).filter_by(business_id=business_id).all()
        return {row.subject: row.email_status for row in rows}


def outbox_at(database_url: str, mailsink, clock: Clock) -> MailOutbox:  # noqa: F811
    smtp_port, _ = mailsink
    return MailOutbox(database_url, SmtpMailer.from_url(f"smtp://127.0.0.1:{smtp_port}"), "http://tp.test", clock)


def subjects(viewer: str, email: str) -> list[str]:
    return sorted(m["subject"] for m in inbox(viewer, email))


def test_a_topic_in_app_only_is_not_emailed_but_stays_in_the_inbox(database_url, mailsink):  # noqa: F811
    member = a_member_with(database_url, Preferences(channels={"reviews": Channel.IN_APP}))
    notify(database_url, member.business_id, "review", "Rate your partner", NOON)
    notify(database_url, member.business_id, "funded", "Escrow funded", NOON)

    drain(outbox_at(database_url, mailsink, Clock(NOON)))

    assert subjects(mailsink[1], member.email) == ["Escrow funded"]
    assert status_of(database_url, member.business_id)["Rate your partner"] == "none"


def test_quiet_hours_hold_an_email_until_they_end_but_not_a_reminder(database_url, mailsink):  # noqa: F811
    member = a_member_with(database_url, Preferences(quiet_hours=QuietHours(dt.time(22), dt.time(7)),
                                                     time_zone="Europe/Paris"))
    night = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)  # midnight in Paris
    notify(database_url, member.business_id, "offer", "New offer", night)
    notify(database_url, member.business_id, "reminder", "Reminder: inspection ends soon", night)
    clock = Clock(night)
    outbox = outbox_at(database_url, mailsink, clock)

    drain(outbox)
    assert subjects(mailsink[1], member.email) == ["Reminder: inspection ends soon"]

    clock.now = dt.datetime(2026, 12, 2, 5, 59, tzinfo=dt.UTC)  # 06:59 in Paris
    drain(outbox)
    assert subjects(mailsink[1], member.email) == ["Reminder: inspection ends soon"]

    clock.now = dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC)
    drain(outbox)
    assert subjects(mailsink[1], member.email) == ["New offer", "Reminder: inspection ends soon"]


def test_over_the_daily_cap_the_rest_go_to_one_digest_a_day(database_url, mailsink):  # noqa: F811
    member = a_member_with(database_url, Preferences(daily_cap=3, digest_at=dt.time(18)))
    for subject in ("Offer one", "Offer two", "Offer three", "Offer four"):
        notify(database_url, member.business_id, "offer", subject, NOON)
    clock = Clock(NOON)
    outbox = outbox_at(database_url, mailsink, clock)

    drain(outbox)
    outbox.send_digests()
    assert subjects(mailsink[1], member.email) == ["Offer one", "Offer two"]  # the third slot is the digest's

    clock.now = NOON.replace(hour=18)
    assert outbox.send_digests() >= 1
    notify(database_url, member.business_id, "offer", "Offer five", clock.now)
    drain(outbox)
    assert outbox.send_digests() == 0  # the cap is spent and today's digest is gone: tomorrow's

    mails = inbox(mailsink[1], member.email)
    (digest,) = [m for m in mails if "digest" in m["subject"]]
    assert digest["subject"] == "Your daily digest: 2 updates"
    assert "Offer three" in digest["text"] and "Offer four" in digest["text"]
    assert "Offer five" not in digest["text"]
    assert len(mails) == 3

    clock.now = NOON.replace(day=2, hour=18)
    outbox.send_digests()
    later = [m for m in inbox(mailsink[1], member.email) if "digest" in m["subject"]]
    assert len(later) == 2 and any("Offer five" in m["text"] for m in later)


def test_a_digest_is_never_sent_twice_for_the_same_day(database_url, mailsink):  # noqa: F811
    member = a_member_with(database_url, Preferences(channels={"deals": Channel.DIGEST}))
    notify(database_url, member.business_id, "delivered", "Work delivered", NOON)
    evening = NOON.replace(hour=19)
    first = outbox_at(database_url, mailsink, Clock(evening))
    second = outbox_at(database_url, mailsink, Clock(evening))  # another worker process

    drain(first)
    first.send_digests()
    notify(database_url, member.business_id, "delivered", "More work delivered", evening)
    drain(second)
    second.send_digests()

    digests = [m for m in inbox(mailsink[1], member.email) if "digest" in m["subject"]]
    assert [d["subject"] for d in digests] == ["Your daily digest: 1 update"]
    assert status_of(database_url, member.business_id) == {"Work delivered": "digested",
                                                           "More work delivered": "digest"}
