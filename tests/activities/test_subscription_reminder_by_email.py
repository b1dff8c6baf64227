"""The reminder before a subscription's last retry is a deadline reminder: recorded through the
subscription's record activity, it is in the inbox and emailed at once even in quiet hours (a
failed payment waits for the morning), once however often the activity runs."""

from __future__ import annotations

import datetime as dt

from activities.subscriptions import SubscriptionSteps
from domain.money import eur
from domain.notification_policy import Preferences, QuietHours
from domain.plans import DAY, PRO, BillingPolicy, Plan, open_subscription
from tests.activities.test_mail_outbox import drain, mailsink  # noqa: F401  (the module's sink)
from tests.activities.test_notification_preferences_in_the_outbox import (
    Clock,
    a_member_with,
    outbox_at,
    status_of,
    subjects,
)
from workflows.subscription_messages import SubscriptionRecord

NIGHT = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)  # midnight in Paris
PRO_PLAN = Plan(PRO, "Pro", 250, 50, eur(29_00))


def test_the_last_retry_reminder_is_emailed_at_once_at_night_and_once(database_url, mailsink):  # noqa: F811
    sleeper = a_member_with(database_url, Preferences(quiet_hours=QuietHours(dt.time(22), dt.time(7)),
                                                      time_zone="Europe/Paris"))
    due = NIGHT - dt.timedelta(days=6)  # the renewal; its last retry is a day after NIGHT
    opened = open_subscription(sleeper.business_id, PRO_PLAN, due - dt.timedelta(days=30), "pm_card_visa",
                               BillingPolicy(period_s=30 * DAY))
    sub = opened.charged(opened.anchor).subscription.renewed(PRO_PLAN)
    failures = []
    for attempt in (1, 2, 3):
        failures.append(sub.charge_failed("card declined", sub.policy.attempt_at(due, attempt)))
        sub = failures[-1].subscription
    reminder = sub.remind_last_retry(NIGHT)
    steps = SubscriptionSteps(database_url, gateway=None)  # recording calls no Stripe

    steps.record(SubscriptionRecord(failures[-1], NIGHT, "subscription-test"))
    steps.record(SubscriptionRecord(reminder, NIGHT, "subscription-test"))
    steps.record(SubscriptionRecord(reminder, NIGHT, "subscription-test"))  # a retried activity writes nothing twice
    drain(outbox_at(database_url, mailsink, Clock(NIGHT)))

    subject = "Last try to charge 29.00 EUR for Pro on 2 December 2026"
    assert subjects(mailsink[1], sleeper.email) == [subject]
    assert status_of(database_url, sleeper.business_id) == {subject: "sent", "Your payment failed": "pending"}
