"""Plans, the billing cycle and the subscription state machine, as a member would meet them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import AlreadyDone, InvalidInput, InvalidTransition
from domain.fees import FeeRule
from domain.money import credits, eur
from domain.notification_policy import topic_of
from domain.plans import (
    DAY,
    FREE,
    FREE_PLAN,
    PRO,
    BillingPolicy,
    NextStep,
    Plan,
    SubscriptionStatus,
    add_months,
    open_subscription,
)

JAN_31 = dt.datetime(2027, 1, 31, 9, 30, tzinfo=dt.UTC)
PRO_PLAN = Plan(PRO, "Pro", 250, 50, eur(29_00))


def a_subscription(start: dt.datetime = JAN_31, **policy):
    return open_subscription(7, PRO_PLAN, start, "pm_card_visa", BillingPolicy(**policy))


def paid(sub, at=None):
    return sub.charged(at or sub.period_start).subscription


# ---- plans --------------------------------------------------------------------------------
def test_a_plan_is_the_fee_rule_its_members_deals_pay():
    assert PRO_PLAN.fee_rule() == FeeRule(basis_points=250, minimum_minor=50)
    assert PRO_PLAN.fee_rule().fee_for(credits(100_00)) == credits(2_50)
    assert PRO_PLAN.commission == "2.50 %"


def test_free_is_what_every_member_paid_before_plans():
    assert FREE_PLAN.fee_rule() == FeeRule()
    assert not FREE_PLAN.is_paid and PRO_PLAN.is_paid


@pytest.mark.parametrize("change, field", [
    ({"commission_bps": 5_001}, "commission_bps"),
    ({"commission_bps": -1}, "commission_bps"),
    ({"minimum_fee_minor": 100_01}, "minimum_fee_minor"),
    ({"monthly_price": eur(49)}, "monthly_price"),  # under Stripe's smallest card payment
    ({"monthly_price": credits(29_00)}, "monthly_price"),
    ({"monthly_price": eur(10_000_01)}, "monthly_price"),
    ({"name": "  "}, "name"),
])
def test_plan_values_outside_the_bounds_name_the_field(change, field):
    with pytest.raises(InvalidInput) as refused:
        replace(PRO_PLAN, **change).checked()
    assert refused.value.field == field


def test_free_stays_free():
    with pytest.raises(InvalidInput, match="costs nothing"):
        replace(FREE_PLAN, monthly_price=eur(1_00)).checked()
    assert replace(FREE_PLAN, commission_bps=0, minimum_fee_minor=0).checked().fee_rule() == FeeRule(0, 0)


def test_nobody_subscribes_to_a_free_plan():
    with pytest.raises(InvalidInput):
        open_subscription(7, FREE_PLAN, JAN_31, "pm_card_visa")


# ---- the billing cycle ------------------------------------------------------------------
def test_month_end_anchors_clamp_without_drifting():
    policy = BillingPolicy()
    starts = [policy.period_start(JAN_31, n) for n in range(4)]
    assert [s.date().isoformat() for s in starts] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
    assert policy.period_start(dt.datetime(2028, 1, 31, tzinfo=dt.UTC), 1).day == 29  # leap year
    assert all(s.time() == JAN_31.time() for s in starts)


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2200, 1, 1),
                    timezones=st.just(dt.UTC)), st.integers(0, 240))
def test_each_period_starts_one_calendar_month_after_the_last(anchor, n):
    policy = BillingPolicy()
    start, end = policy.period_start(anchor, n), policy.period_start(anchor, n + 1)
    assert start < end
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1  # no month skipped
    assert end.day == min(anchor.day, calendar.monthrange(end.year, end.month)[1])  # or the month's last
    assert (end.time(), end.tzinfo) == (anchor.time(), anchor.tzinfo)


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2200, 1, 1)),
       st.integers(0, 600), st.integers(0, 600))
def test_adding_months_in_two_steps_never_lands_later_than_in_one(moment, a, b):
    assert add_months(add_months(moment, a), b) <= add_months(moment, a + b)


def test_a_failed_charge_is_retried_after_one_three_and_seven_days_then_given_up():
    policy = BillingPolicy()
    due = JAN_31
    assert [policy.attempt_at(due, n) for n in range(1, 6)] == [
        due, due + dt.timedelta(days=1), due + dt.timedelta(days=3), due + dt.timedelta(days=7), None]


# ---- the subscription's life ------------------------------------------------------------
def test_the_first_period_is_charged_at_once_and_renews_at_its_end():
    sub = a_subscription()
    assert sub.step_due(JAN_31) is NextStep.CHARGE
    charge = sub.charge()
    assert charge.key == "subscription:7:20270131T093000000Z:attempt-1"
    assert (charge.amount, charge.period_end.date().isoformat()) == (eur(29_00), "2027-02-28")

    change = sub.charged(JAN_31)
    assert change.event == "subscribed" and change.notices[0].subject == "Welcome to Pro"
    active = change.subscription
    assert active.next_charge_at == active.period_end and active.next_alarm_at() == active.period_end
    assert active.step_due(active.period_end - dt.timedelta(seconds=1)) is None
    assert active.step_due(active.period_end) is NextStep.RENEW

    renewed = active.renewed(replace(PRO_PLAN, monthly_price=eur(35_00)))  # repriced meanwhile
    assert renewed.period_start == active.period_end and not renewed.paid
    assert renewed.charge().amount == eur(35_00)
    assert renewed.charge().key == "subscription:7:20270228T093000000Z:attempt-1"


def test_a_declined_renewal_is_retried_over_the_grace_period_then_the_member_goes_to_free():
    sub = paid(a_subscription(period_s=10, retry_after_s=(2, 5))).renewed(PRO_PLAN)
    due = sub.period_start
    first = sub.charge_failed("card declined", due)
    past_due = first.subscription
    assert past_due.status is SubscriptionStatus.PAST_DUE and past_due.is_live
    assert "try again" in first.notices[0].body and first.notices[0].kind == "subscription_payment_failed"
    assert past_due.step_due(due + dt.timedelta(seconds=1)) is None
    assert past_due.step_due(due + dt.timedelta(seconds=2)) is NextStep.CHARGE
    assert past_due.charge().key.endswith(":attempt-2")

    last = past_due.charge_failed("card declined", due + dt.timedelta(seconds=2)).subscription
    final = last.charge_failed("card declined", due + dt.timedelta(seconds=5))
    assert "last attempt" in final.notices[0].body
    assert final.subscription.step_due(due + dt.timedelta(seconds=5)) is NextStep.DOWNGRADE

    downgraded = final.subscription.downgrade(due + dt.timedelta(seconds=5))
    assert downgraded.subscription.status is SubscriptionStatus.DOWNGRADED and not downgraded.subscription.is_live
    assert downgraded.notices[0].subject == "Your plan was moved to Free"
    assert downgraded.subscription.step_due(due + dt.timedelta(days=99)) is None


def test_a_retry_that_succeeds_keeps_the_plan():
    sub = paid(a_subscription(period_s=10, retry_after_s=(2,))).renewed(PRO_PLAN)
    past_due = sub.charge_failed("card declined", sub.period_start).subscription
    recovered = past_due.charged(sub.period_start + dt.timedelta(seconds=2))
    assert recovered.event == "recovered" and recovered.subscription.status is SubscriptionStatus.ACTIVE


def declined_until_last(sub, *, before_last: int = 0):
    """`sub`'s period with every attempt declined until the last retry is the next one."""
    for attempt in range(1, sub.policy.last_attempt - before_last):
        sub = sub.charge_failed("card declined", sub.policy.attempt_at(sub.period_start, attempt)).subscription
    return sub


@pytest.mark.parametrize("retry_after_s, reminder_after_due", [
    ((1 * DAY, 3 * DAY, 7 * DAY), 6 * DAY),  # production: a day before the retry on day 7
    ((3 * DAY,), 2 * DAY),  # the only retry, three days after the due date
    ((DAY, DAY + 3_600), DAY + 1_800),  # retries an hour apart: halfway between them
    ((1, 2), 1.5),
])
def test_the_last_retry_is_reminded_a_day_ahead_or_halfway_from_the_retry_before_it(
        retry_after_s, reminder_after_due):
    policy = BillingPolicy(retry_after_s=retry_after_s)
    assert policy.last_retry_reminder_at(JAN_31) == JAN_31 + dt.timedelta(seconds=reminder_after_due)


def test_without_retries_there_is_no_last_retry_to_remind_of():
    assert BillingPolicy(retry_after_s=()).last_retry_reminder_at(JAN_31) is None
    sub = paid(a_subscription(period_s=10 * DAY, retry_after_s=())).renewed(PRO_PLAN)
    assert sub.last_retry_reminder_at is None


def test_the_member_is_reminded_once_before_the_last_retry_naming_date_amount_and_the_plans_page():
    sub = paid(a_subscription(period_s=30 * DAY)).renewed(PRO_PLAN)
    due = sub.period_start  # 2 March 2027 09:30 (30 days after 31 January)
    assert sub.last_retry_reminder_at is None  # nothing has failed yet
    assert declined_until_last(sub, before_last=1).last_retry_reminder_at is None  # a retry comes before

    waiting = declined_until_last(sub)
    reminder_at = due + dt.timedelta(days=6)
    assert waiting.last_retry_reminder_at == reminder_at
    assert not waiting.reminder_due(reminder_at - dt.timedelta(seconds=1)) and waiting.reminder_due(reminder_at)
    with pytest.raises(InvalidTransition):
        waiting.remind_last_retry(reminder_at - dt.timedelta(seconds=1))

    change = waiting.remind_last_retry(reminder_at)
    (notice,) = change.notices
    assert notice.kind == "reminder" and topic_of(notice.kind).name == "reminders"
    assert notice.subject == "Last try to charge 29.00 EUR for Pro on 9 March 2027"
    assert "9 March 2027 at 09:30 UTC" in notice.body and "Free plan" in notice.body
    assert "/plans" in notice.body
    assert change.key == "subscription:7:20270131T093000000Z:20270302T093000000Z:reminder"
    reminded = change.subscription
    assert reminded.reminded and reminded.version == waiting.version + 1
    assert reminded.last_retry_reminder_at is None and not reminded.reminder_due(reminder_at + dt.timedelta(hours=1))
    assert reminded.step_due(due + dt.timedelta(days=7)) is NextStep.CHARGE  # the reminder moves no attempt
    assert reminded.renewed(PRO_PLAN).reminded is False  # the next period may need its own


def test_no_reminder_once_the_period_is_paid_or_the_subscription_cancelled():
    sub = paid(a_subscription(period_s=30 * DAY)).renewed(PRO_PLAN)
    before_last = declined_until_last(sub, before_last=1)
    recovered = before_last.charged(before_last.next_attempt_at).subscription
    assert recovered.last_retry_reminder_at is None
    assert not recovered.reminder_due(sub.period_start + dt.timedelta(days=6, hours=1))
    cancelled = declined_until_last(sub).cancel(sub.period_start + dt.timedelta(days=4)).subscription
    assert cancelled.last_retry_reminder_at is None


def test_cancelling_keeps_the_plan_until_the_paid_period_ends():
    active = paid(a_subscription())
    change = active.cancel(JAN_31 + dt.timedelta(days=3))
    cancelling = change.subscription
    assert cancelling.is_live and cancelling.cancel_at_period_end and cancelling.next_charge_at is None
    assert change.notices[0].subject == "Pro ends on 28 February 2027"
    with pytest.raises(AlreadyDone):
        cancelling.cancel(JAN_31 + dt.timedelta(days=4))
    assert cancelling.step_due(cancelling.period_end) is NextStep.END
    ended = cancelling.end(cancelling.period_end).subscription
    assert ended.status is SubscriptionStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        ended.cancel(cancelling.period_end)


def test_cancelling_an_unpaid_period_ends_at_once():
    sub = paid(a_subscription(period_s=10)).renewed(PRO_PLAN)
    past_due = sub.charge_failed("card declined", sub.period_start).subscription
    assert past_due.cancel(sub.period_start).subscription.status is SubscriptionStatus.CANCELLED


def test_choosing_the_plan_again_takes_back_a_cancellation_and_a_new_card_is_used_next_time():
    cancelling = paid(a_subscription()).cancel(JAN_31).subscription
    resumed = cancelling.change_plan(PRO, "", JAN_31)
    assert resumed.event == "resumed" and not resumed.subscription.cancel_at_period_end
    with pytest.raises(AlreadyDone):
        resumed.subscription.change_plan(PRO, "", JAN_31)
    new_card = resumed.subscription.change_plan(PRO, "pm_card_chargeDeclined", JAN_31)
    assert new_card.event == "card_changed" and not new_card.notices
    assert new_card.subscription.renewed(PRO_PLAN).charge().payment_method == "pm_card_chargeDeclined"
    with pytest.raises(InvalidInput):
        resumed.subscription.change_plan(FREE, "", JAN_31)


def test_every_change_has_its_own_key_so_recording_it_twice_is_harmless():
    sub = a_subscription()
    keys = []
    for step in (lambda s: s.charged(JAN_31), lambda s: s.cancel(JAN_31), lambda s: s.change_plan(PRO, "", JAN_31),
                 lambda s: s.cancel(JAN_31)):
        change = step(sub)
        keys.append(change.key)
        sub = change.subscription
    assert len(set(keys)) == len(keys)
