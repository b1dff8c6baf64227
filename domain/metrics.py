"""Operator metrics: the formulas, over plain daily facts the queries gather. Standard library
only; the period and "today" are passed in.

What each metric means (the metrics page says the same under each chart):

    active businesses   a business with a deal event (of a deal it is party to) or a listing it
                        published in the 30 days up to the end of the week (a trailing window)
    new listings        listings published in the week, offers and wants
    match rate          open wants with at least one match ÷ open wants, now (matching cannot
                        be replayed for past weeks, so it is not a weekly series)
    deals started       proposed in the week, by exchange model
    deals completed     completed in the week, by exchange model
    dispute rate        deals completed in the week that went through a dispute ÷ deals completed
    gross volume        the price legs of the deals completed in the week, per currency
    fee revenue         fees the platform booked in the week (the ledger), per currency
    ARPU                fee revenue of the trailing 30 days ÷ active businesses, per currency,
                        in minor units rounded down
    30-day retention    businesses active in the 30 days before the window that are active
                        again in it ÷ those active before
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

WINDOW_DAYS = 30
MODELS = ("credits", "cash", "hybrid", "barter")
KINDS = ("offer", "want")


@dataclass(frozen=True)
class Ratio:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        """For display and charts only; None when there is nothing to divide by."""
        return None if self.whole == 0 else round(100 * self.part / self.whole, 1)


@dataclass(frozen=True)
class DailyFacts:
    """What happened on each day, as the queries count it (days are UTC dates)."""

    activity: list[tuple[int, dt.date]]  # (business, a day it was active), distinct
    listings: list[tuple[dt.date, str, int]]  # (day, kind, published)
    started: list[tuple[dt.date, str, int]]  # (day, model, deals proposed)
    completed: list[tuple[dt.date, str, int, int]]  # (day, model, completed, of which disputed)
    volume: list[tuple[dt.date, str, int]]  # (day, currency, minor units)
    fees: list[tuple[dt.date, str, int]]  # (day, currency, minor units)


@dataclass(frozen=True)
class WeekMetrics:
    week: dt.date  # its Monday
    active: int
    retention: Ratio
    new_listings: dict[str, int]
    started: dict[str, int]
    completed: dict[str, int]
    dispute_rate: Ratio
    volume: dict[str, int]
    fees: dict[str, int]
    arpu: dict[str, int | None]


@dataclass(frozen=True)
class OperatorMetrics:
    weeks: list[WeekMetrics]
    match_rate: Ratio  # now, not per week

    @property
    def first_day(self) -> dt.date:
        return self.weeks[0].week

    @property
    def last_day(self) -> dt.date:
        return self.weeks[-1].week + dt.timedelta(days=6)

    @property
    def currencies(self) -> list[str]:
        return sorted({c for w in self.weeks for c in (*w.volume, *w.fees)})


def the_weeks(count: int, last_day: dt.date) -> list[dt.date]:
    """The Mondays of `count` whole weeks, the last one holding `last_day`."""
    return week_starts(last_day - dt.timedelta(days=7 * (count - 1)), last_day)


def week_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The Mondays of every week from the one holding `first` to the one holding `last`."""
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def facts_since(weeks: list[dt.date]) -> dt.date:
    """The first day the facts must cover: retention looks two windows back from the first week."""
    return weeks[0] + dt.timedelta(days=7 - 2 * WINDOW_DAYS)


def active_between(by_day: dict[dt.date, set[int]], start: dt.date, end: dt.date) -> set[int]:
    """Businesses active on a day in [start, end)."""
    active: set[int] = set()
    day = start
    while day < end:
        active |= by_day.get(day, set())
        day += dt.timedelta(days=1)
    return active


def retention(before: set[int], now: set[int]) -> Ratio:
    return Ratio(len(before & now), len(before))


def arpu(fees: dict[str, int], active: int) -> dict[str, int | None]:
    return {currency: (total // active if active else None) for currency, total in fees.items()}


def weekly(weeks: list[dt.date], facts: DailyFacts) -> list[WeekMetrics]:
    by_day: dict[dt.date, set[int]] = defaultdict(set)
    for business, day in facts.activity:
        by_day[day].add(business)
    return [_week(monday, facts, by_day) for monday in weeks]


def _week(monday: dt.date, facts: DailyFacts, by_day: dict[dt.date, set[int]]) -> WeekMetrics:
    end = monday + dt.timedelta(days=7)
    window = dt.timedelta(days=WINDOW_DAYS)
    active = active_between(by_day, end - window, end)
    before = active_between(by_day, end - 2 * window, end - window)
    completed = _sum_by(facts.completed, monday, end)
    disputed = sum(_sum_by(facts.completed, monday, end, value=3).values())
    fees_window = _sum_by(facts.fees, end - window, end)
    return WeekMetrics(
        week=monday, active=len(active), retention=retention(before, active),
        new_listings={kind: _sum_by(facts.listings, monday, end).get(kind, 0) for kind in KINDS},
        started={model: _sum_by(facts.started, monday, end).get(model, 0) for model in MODELS},
        completed={model: completed.get(model, 0) for model in MODELS},
        dispute_rate=Ratio(disputed, sum(completed.values())),
        volume=_sum_by(facts.volume, monday, end), fees=_sum_by(facts.fees, monday, end),
        arpu=arpu(fees_window, len(active)),
    )


def _sum_by(rows: Iterable[tuple], start: dt.date, end: dt.date, value: int = 2) -> dict[str, int]:
    """Rows of (day, key, value...) in [start, end), summed by key."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        if start <= row[0] < end:
            totals[row[1]] += row[value]
    return dict(sorted(totals.items()))
