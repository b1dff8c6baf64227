"""Notifications written by deal steps reach members by real SMTP, once, after commit."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import uuid

import pytest

from activities.notifications import MailOutbox
from devstack.mailsink import start_mailsink, wait_until_ready
from devstack.ports import free_port
from integrations.db.app_models import Notification
from integrations.db.members import register_business
from integrations.db.session import unit_of_work
from integrations.email.smtp import SmtpMailer


@pytest.fixture(scope="module")
def mailsink(tmp_path_factory):
    smtp_port, http_port = free_port(), free_port()
    process = start_mailsink(smtp_port, http_port, tmp_path_factory.mktemp("mail"))
    try:
        wait_until_ready(smtp_port, http_port, 30, proc=process)
        yield smtp_port, f"http://127.0.0.1:{http_port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def a_member_with_notice(database_url: str, subject: str) -> tuple[str, int]:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.test"
    with unit_of_work(database_url) as session:
        member = register_business(session, name=f"Shop {email}", email=email, display_name="Owner",
                                   password_hash="x")
        session.add(Notification(business_id=member.business_id, dedupe_key=f"test:{uuid.uuid4()}",
                                 kind="offer", subject=subject, body="You received an offer.",
                                 created_at=dt.datetime.now(dt.UTC), email_status="pending"))
    return email, member.business_id


def drain(outbox: MailOutbox) -> None:
    """The session database holds other tests' notices too: pass until nothing more is sent."""
    while outbox.send_pending() > 0:
        pass


def inbox(viewer: str, address: str) -> list[dict]:
    with urllib.request.urlopen(f"{viewer}/api/messages", timeout=10) as response:
        return [m for m in json.loads(response.read()) if address in m["to"]]


def test_pending_notifications_are_emailed_once(database_url, mailsink):
    smtp_port, viewer = mailsink
    email, _ = a_member_with_notice(database_url, "New offer — Logo design")
    outbox = MailOutbox(database_url, SmtpMailer.from_url(f"smtp://127.0.0.1:{smtp_port}"))

    drain(outbox)
    drain(outbox)

    (message,) = inbox(viewer, email)
    assert message["subject"] == "New offer — Logo design"
    assert "You received an offer." in message["text"]


def test_a_mail_outage_keeps_emails_pending_for_the_next_pass(database_url, mailsink):
    smtp_port, viewer = mailsink
    email, business_id = a_member_with_notice(database_url, "Escrow funded — Flyers")
    down = MailOutbox(database_url, SmtpMailer.from_url(f"smtp://127.0.0.1:{free_port()}", timeout=1))

    drain(down)
    assert inbox(viewer, email) == []

    drain(MailOutbox(database_url, SmtpMailer.from_url(f"smtp://127.0.0.1:{smtp_port}")))
    assert [m["subject"] for m in inbox(viewer, email)] == ["Escrow funded — Flyers"]


def test_staff_alerts_reach_the_arbitrator_named_or_every_admin(database_url, mailsink):
    from integrations.db.dispute_models import StaffAlertRow
    from tests.builders import a_staff_user

    smtp_port, viewer = mailsink
    arbitrator, admin = a_staff_user(database_url, "arbitrator"), a_staff_user(database_url, "admin")
    with unit_of_work(database_url) as session:
        for user_id, subject in ((arbitrator.user_id, "New case — Logo design"), (None, "Case needs an arbitrator")):
            session.add(StaffAlertRow(dedupe_key=f"test:{uuid.uuid4()}", user_id=user_id, kind="case",
                                      subject=subject, body="Rule by Friday.", created_at=dt.datetime.now(dt.UTC)))
    outbox = MailOutbox(database_url, SmtpMailer.from_url(f"smtp://127.0.0.1:{smtp_port}"))

    while outbox.send_staff_alerts() > 0:
        pass

    assert [m["subject"] for m in inbox(viewer, arbitrator.email)] == ["New case — Logo design"]
    assert "Case needs an arbitrator" in [m["subject"] for m in inbox(viewer, admin.email)]
    assert outbox.send_staff_alerts() == 0  # each alert once
