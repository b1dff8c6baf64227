"""When a notification becomes an email: channel per topic, quiet hours, the daily cap, the digest."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.notification_policy import (
    Channel,
    Preferences,
    QuietHours,
    Route,
    decide,
    digest_due,
    topic_of,
)

NIGHT = QuietHours(dt.time(22, 0), dt.time(7, 0))


def at(hour: int, minute: int = 0, day: int = 1) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def prefs(**kwargs) -> Preferences:
    return Preferences(**kwargs)


def test_by_default_every_notification_is_emailed_at_once():
    assert decide("funded", prefs(), 0, at(12)).route is Route.SEND_NOW


def test_a_topic_set_to_in_app_only_sends_no_email():
    chosen = prefs(channels={"deals": Channel.IN_APP})
    assert decide("delivered", chosen, 0, at(12)).route is Route.IN_APP_ONLY
    assert decide("ruling", chosen, 0, at(12)).route is Route.SEND_NOW  # another topic keeps its email


def test_a_topic_set_to_the_digest_waits_for_it():
    assert decide("review", prefs(channels={"reviews": Channel.DIGEST}), 0, at(12)).route is Route.DIGEST


def test_in_quiet_hours_an_email_is_held_until_they_end_in_the_members_time_zone():
    berlin = prefs(quiet_hours=NIGHT, time_zone="Europe/Berlin")  # UTC+1 in December

    decision = decide("offer", berlin, 0, at(22, 30))  # 23:30 in Berlin

    assert decision.route is Route.HOLD
    assert decision.until == at(6, 0, day=2)  # 07:00 in Berlin


def test_quiet_hours_within_one_day_and_their_edges():
    lunch = prefs(quiet_hours=QuietHours(dt.time(12, 0), dt.time(13, 0)))
    assert decide("offer", lunch, 0, at(11, 59)).route is Route.SEND_NOW
    assert decide("offer", lunch, 0, at(12, 0)).until == at(13, 0)
    assert decide("offer", lunch, 0, at(13, 0)).route is Route.SEND_NOW


def test_a_deadline_reminder_goes_out_even_in_quiet_hours_and_over_the_cap():
    strict = prefs(quiet_hours=NIGHT, daily_cap=2)
    assert decide("reminder", strict, 50, at(23)).route is Route.SEND_NOW
    assert decide("verification_reminder", strict, 50, at(3)).route is Route.SEND_NOW


def test_a_reminder_cannot_be_sent_to_the_digest_but_may_be_muted():
    assert decide("reminder", prefs(channels={"reminders": Channel.DIGEST}), 0, at(12)).route is Route.SEND_NOW
    assert decide("reminder", prefs(channels={"reminders": Channel.IN_APP}), 0, at(12)).route is Route.IN_APP_ONLY


def test_money_notices_skip_the_cap_and_the_digest_but_wait_for_quiet_hours_to_end():
    strict = prefs(quiet_hours=NIGHT, daily_cap=1, channels={"payments": Channel.DIGEST})
    assert decide("cash_failed", strict, 30, at(12)).route is Route.SEND_NOW
    assert decide("subscription_failed", strict, 30, at(12)).route is Route.SEND_NOW
    assert decide("cash_failed", strict, 0, at(23)).route is Route.HOLD


def test_the_cap_keeps_its_last_email_for_the_digest():
    capped = prefs(daily_cap=3)
    assert decide("offer", capped, 1, at(12)).route is Route.SEND_NOW
    overflow = decide("offer", capped, 2, at(12))
    assert overflow.route is Route.DIGEST
    assert "cap of 3" in overflow.reason


def test_the_day_and_its_start_are_the_members_own():
    tokyo = prefs(time_zone="Asia/Tokyo")  # UTC+9
    assert tokyo.day_of(at(16)) == dt.date(2026, 12, 2)
    assert tokyo.day_started_at(at(16)) == at(15)


def test_the_digest_is_due_once_a_day_from_its_time_outside_quiet_hours():
    evening = prefs(digest_at=dt.time(18, 0), quiet_hours=QuietHours(dt.time(17, 0), dt.time(19, 0)))
    assert not digest_due(evening, at(17, 59), None)
    assert not digest_due(evening, at(18, 30), None)  # quiet until 19:00
    assert digest_due(evening, at(19, 0), None)
    assert not digest_due(evening, at(21, 0), dt.date(2026, 12, 1))  # already sent today
    assert digest_due(evening, at(19, 0, day=2), dt.date(2026, 12, 1))


def test_kinds_belong_to_topics_and_unknown_kinds_are_plain_email():
    assert topic_of("delivered").name == "deals"
    assert topic_of("subscription_downgraded").name == "payments"
    assert topic_of("saved_search_alert").name == "saved_searches"
    assert decide("something_new", prefs(), 0, at(12)).route is Route.SEND_NOW


def test_quiet_hours_must_have_a_length():
    with pytest.raises(ValueError):
        QuietHours(dt.time(8), dt.time(8))
