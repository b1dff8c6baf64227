"""A barter ring's answer reminder reaches the businesses yet to answer, in the inbox and by email
at once (a deadline reminder: not held for quiet hours), once each however often the step runs."""

from __future__ import annotations

import datetime as dt
import uuid

from activities.ring_steps import RingSteps
from domain.notification_policy import Preferences, QuietHours
from domain.rings import Ring, RingLeg
from tests.activities.test_mail_outbox import drain, mailsink  # noqa: F401  (the module's sink)
from tests.activities.test_notification_preferences_in_the_outbox import (
    Clock,
    a_member_with,
    outbox_at,
    status_of,
    subjects,
)
from tests.builders import a_business
from workflows.ring_messages import RingReminder

NIGHT = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)  # midnight in Paris


def test_the_businesses_yet_to_answer_are_reminded_by_email_at_once_and_once(database_url, mailsink):  # noqa: F811
    sleeper = a_member_with(database_url, Preferences(quiet_hours=QuietHours(dt.time(22), dt.time(7)),
                                                      time_zone="Europe/Paris"))
    other, answered = a_business(database_url), a_business(database_url)
    ids = (answered.business_id, sleeper.business_id, other.business_id)
    legs = tuple(RingLeg(100 + i, 200 + i, ids[i], ids[(i + 1) % 3], 90) for i in range(3))
    ring = Ring(f"ring-test-{uuid.uuid4().hex[:8]}", legs, NIGHT - dt.timedelta(days=2), NIGHT + dt.timedelta(days=1),
                accepted_by=(answered.business_id,))
    reminder = RingReminder(ring, ring.waiting_for, ring.answer_reminder())
    steps = RingSteps(database_url, client=None)  # the reminder needs no workflow client

    steps.remind(reminder)
    steps.remind(reminder)  # a retried activity writes nothing twice
    drain(outbox_at(database_url, mailsink, Clock(NIGHT)))

    subject = "Reminder: answer the barter ring proposed to you by 2026-12-02 23:00 UTC"
    for member in (sleeper, other):
        assert subjects(mailsink[1], member.email) == [subject]
        assert status_of(database_url, member.business_id) == {subject: "sent"}
    assert subjects(mailsink[1], answered.email) == []
    assert status_of(database_url, answered.business_id) == {}
