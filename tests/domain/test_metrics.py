"""The operator metrics' formulas, as worked examples over a few weeks of daily facts."""

from __future__ import annotations

import datetime as dt

from domain.metrics import (
    DailyFacts,
    Ratio,
    arpu,
    facts_since,
    retention,
    the_weeks,
    week_starts,
    weekly,
)

MON = dt.date(2026, 11, 2)  # a Monday


def day(offset: int) -> dt.date:
    return MON + dt.timedelta(days=offset)


def facts(**rows) -> DailyFacts:
    return DailyFacts(**{"activity": [], "listings": [], "started": [], "completed": [], "volume": [], "fees": [],
                         **rows})


def test_weeks_run_monday_to_monday_and_the_facts_reach_two_windows_back():
    assert week_starts(day(2), day(15)) == [MON, day(7), day(14)]
    assert week_starts(day(6), day(6)) == [MON]
    assert facts_since([MON]) == day(7 - 60)


def test_a_ratio_says_nothing_when_there_is_nothing_to_divide():
    assert Ratio(1, 3).percent == 33.3 and Ratio(0, 0).percent is None


def test_active_businesses_are_counted_over_the_trailing_thirty_days():
    weeks = weekly([MON, day(7)], facts(activity=[(1, day(-25)), (2, day(3)), (3, day(10)), (1, day(4))]))
    # The window of the first week is day(-23)..day(6): business 1 (day 4) and 2; day(-25) is too early.
    assert [w.active for w in weeks] == [2, 3]


def test_retention_is_the_share_of_the_previous_window_active_again():
    assert retention({1, 2, 3, 4}, {2, 4, 9}) == Ratio(2, 4)
    activity = [(1, day(-40)), (2, day(-40)), (3, day(-35)), (1, day(2)), (3, day(5)), (7, day(6))]
    (week,) = weekly([MON], facts(activity=activity))
    assert week.retention == Ratio(2, 3) and week.active == 3


def test_listings_and_deals_are_counted_in_their_week_by_kind_and_model():
    (first, second) = weekly([MON, day(7)], facts(
        listings=[(day(0), "offer", 2), (day(6), "want", 1), (day(7), "offer", 5)],
        started=[(day(1), "credits", 3), (day(2), "barter", 1), (day(9), "cash", 2)],
        completed=[(day(3), "credits", 4, 1), (day(4), "hybrid", 1, 0), (day(8), "cash", 2, 2)]))
    assert first.new_listings == {"offer": 2, "want": 1} and second.new_listings == {"offer": 5, "want": 0}
    assert first.started == {"credits": 3, "cash": 0, "hybrid": 0, "barter": 1}
    assert first.completed == {"credits": 4, "cash": 0, "hybrid": 1, "barter": 0}
    assert first.dispute_rate == Ratio(1, 5) and second.dispute_rate == Ratio(2, 2)
    assert weekly([day(14)], facts())[0].dispute_rate.percent is None


def test_money_stays_per_currency_and_arpu_divides_thirty_days_of_fees_by_active_businesses():
    (week,) = weekly([MON], facts(
        activity=[(1, day(1)), (2, day(2)), (3, day(3))],
        volume=[(day(1), "CRD", 100_00), (day(5), "CRD", 50_00), (day(5), "EUR", 80_00)],
        fees=[(day(-20), "EUR", 7_00), (day(2), "EUR", 3_00), (day(2), "CRD", 1_00), (day(-40), "EUR", 99_00)]))
    assert week.volume == {"CRD": 150_00, "EUR": 80_00}
    assert week.fees == {"CRD": 1_00, "EUR": 3_00}
    assert week.arpu == {"CRD": 33, "EUR": 3_33}  # 10.00 EUR over 30 days / 3, rounded down
    assert arpu({"EUR": 5_00}, 0) == {"EUR": None}


def test_a_period_is_whole_weeks_ending_with_the_one_holding_its_last_day():
    assert the_weeks(3, day(16)) == [MON, day(7), day(14)]
    assert the_weeks(1, day(0)) == [MON]
