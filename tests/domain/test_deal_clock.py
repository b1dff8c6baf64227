"""Deadlines and reminders, fired by the clock the workflow passes in."""

import datetime as dt

from domain.stages import Stage
from tests.domain.builders import BUYER, NOW, SELLER, a_deal

DAY = dt.timedelta(days=1)


def run_clock(deal, until):
    steps = []
    while (outcome := deal.on_clock(until)) is not None:
        deal = outcome.deal
        steps.append(outcome.step)
    return deal, steps


def test_unanswered_offer_expires_after_a_reminder():
    deal, steps = run_clock(a_deal(), NOW + 8 * DAY)
    assert [s.kind for s in steps] == ["reminder", "expired"]
    assert steps[0].notices[0].business_id == SELLER
    assert deal.stage is Stage.EXPIRED


def test_unfunded_deal_is_cancelled_at_the_funding_deadline():
    deal, steps = run_clock(a_deal("funding"), NOW + 3 * DAY)
    assert deal.stage is Stage.CANCELLED
    assert steps[0].notices[0].business_id == BUYER


def test_silence_during_inspection_is_acceptance():
    deal, steps = run_clock(a_deal("inspection"), NOW + 7 * DAY)
    assert [s.kind for s in steps] == ["reminder", "completed"]
    assert deal.stage is Stage.RATING
    assert steps[-1].ledger.transfers  # the release is posted


def test_redelivery_restarts_the_inspection_window_with_a_fresh_reminder():
    deal = a_deal("inspection")
    deal, _ = run_clock(deal, NOW + 6 * DAY + dt.timedelta(hours=1))  # the reminder fired
    later = NOW + 6 * DAY + dt.timedelta(hours=2)
    deal = deal.request_changes(BUYER, later, "fix").deal
    deal = deal.deliver(SELLER, later).deal
    assert deal.next_alarm_at() == later + 6 * DAY
    deal, steps = run_clock(deal, later + 7 * DAY)
    assert [s.kind for s in steps] == ["reminder", "completed"]


def test_rating_window_closes_the_deal_and_reveals_what_was_written():
    deal, _ = run_clock(a_deal("rating"), NOW + 14 * DAY)
    assert deal.stage is Stage.CLOSED and deal.reviews_revealed


def test_delivery_overdue_tells_the_buyer_once():
    deal, steps = run_clock(a_deal("in_delivery"), NOW + 20 * DAY)
    assert [s.kind for s in steps] == ["reminder", "delivery_overdue"]
    assert deal.on_clock(NOW + 40 * DAY) is None
    assert deal.stage is Stage.IN_DELIVERY
