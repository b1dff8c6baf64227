"""Credit lines from the track record: each part of the amount is a readable line; unverified
members get none; a line is never put in force below what the balance uses, and the member is told."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from domain.credit_policy import CreditPolicy, TrackRecord, credit_line, review_credit_line
from domain.reputation import DisputeResult, Rating, reputation_of

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
POLICY = CreditPolicy()


def rated(stars: int, count: int, lost: int = 0):
    reviews = [Rating(NOW, stars, stars, stars)] * count
    return reputation_of(reviews, [DisputeResult(NOW, lost=True)] * lost, 4.0, NOW)


def a_record(**changes) -> TrackRecord:
    values = dict(verified=True, completed_deals=0, completed_volume_minor=0, reputation=None, recent_lost_disputes=0)
    return TrackRecord(**(values | changes))


def test_an_unverified_member_has_no_line_whatever_its_record():
    line = credit_line(a_record(verified=False, completed_deals=40, completed_volume_minor=10_000_00,
                                reputation=rated(5, 30)))
    assert line.limit_minor == 0 and line.reasons == ("no credit line: the business is not verified yet",)


def test_a_new_verified_member_has_the_line_granted_at_verification():
    line = credit_line(a_record(completed_deals=2, completed_volume_minor=900_00, reputation=rated(5, 2)))
    assert line.limit_minor == 500_00
    assert line.reasons == ("500.00 granted at verification",
                            "no bonus for completed deals yet: 2 of 3 completed deals",
                            "reputation not counted yet: 2 of 3 reviews")


def test_completed_deals_volume_and_a_good_reputation_raise_the_line_with_reasons():
    line = credit_line(a_record(completed_deals=12, completed_volume_minor=2_400_00, reputation=rated(5, 40)))
    # 500 + 12 × 20 + 10 % of 2,400 = 980; a 4.9 ★ reputation adds a quarter: 245
    assert line.limit_minor == 1_225_00
    assert line.reasons == ("500.00 granted at verification", "+240.00 for 12 completed deals",
                            "+240.00 for 2,400.00 of completed volume (10 %)",
                            "+245.00 for a reputation of 4.9 ★ from 40 reviews")


def test_a_poor_reputation_lowers_the_line():
    line = credit_line(a_record(completed_deals=3, reputation=rated(2, 10)))
    assert line.limit_minor == 280_00  # (500 + 60) less half
    assert line.reasons[-1] == "-280.00 for a reputation of 2.7 ★ from 10 reviews"


def test_each_recent_lost_dispute_costs_and_three_leave_no_line():
    assert credit_line(a_record(recent_lost_disputes=2)).limit_minor == 100_00
    assert credit_line(a_record(recent_lost_disputes=2)).reasons[-1] == "-400.00 for 2 disputes lost in the last 365 days"
    none = credit_line(a_record(completed_deals=50, recent_lost_disputes=3))
    assert none.limit_minor == 0 and none.reasons == ("no credit line: 3 disputes lost in the last 365 days",)


def test_the_line_is_capped_and_the_volume_bonus_too():
    line = credit_line(a_record(completed_deals=400, completed_volume_minor=1_000_000_00, reputation=rated(5, 90)))
    assert line.limit_minor == POLICY.max_line_minor
    assert "+1,000.00 for 400 completed deals (counted up to 50)" in line.reasons
    assert "+3,000.00 for 1,000,000.00 of completed volume (10 %, capped at 3,000.00)" in line.reasons
    assert line.reasons[-1] == "capped at 5,000.00, the platform's maximum"


def test_a_line_below_the_usage_is_kept_at_the_usage_and_the_member_is_told():
    change = review_credit_line(7, 1_000_00, 650_00, credit_line(a_record(recent_lost_disputes=1)))
    assert (change.target_minor, change.in_force_minor, change.clamped, change.changed) == (300_00, 650_00, True, True)
    notice = change.notice()
    assert notice.business_id == 7 and notice.subject == "Your credit line is lowered to 650.00 CRD"
    assert "already uses 650.00 CRD" in notice.body and "-200.00 for 1 dispute lost" in notice.body


def test_a_raise_is_announced_and_no_change_is_silent():
    line = credit_line(a_record(completed_deals=3))
    raised = review_credit_line(7, 500_00, 0, line)
    assert raised.notice().subject == "Your credit line rose to 560.00 CRD"
    assert review_credit_line(7, 560_00, 100_00, line).notice() is None


records = st.builds(TrackRecord, verified=st.booleans(), completed_deals=st.integers(0, 500),
                    completed_volume_minor=st.integers(0, 10**10),
                    reputation=st.one_of(st.none(), st.builds(rated, st.integers(1, 5), st.integers(0, 50),
                                                              st.integers(0, 3))),
                    recent_lost_disputes=st.integers(0, 5))


@given(records, st.integers(0, 10**7), st.integers(0, 10**7))
def test_the_line_is_bounded_and_never_put_in_force_below_usage(record, previous, usage):
    line = credit_line(record)
    assert 0 <= line.limit_minor <= POLICY.max_line_minor and line.reasons
    change = review_credit_line(1, previous, usage, line)
    assert change.in_force_minor == max(line.limit_minor, usage)
    assert (change.notice() is None) == (change.in_force_minor == previous)


@given(records, st.integers(1, 3))
def test_losing_more_disputes_never_raises_the_line(record, more):
    worse = TrackRecord(record.verified, record.completed_deals, record.completed_volume_minor, record.reputation,
                        record.recent_lost_disputes + more)
    assert credit_line(worse).limit_minor <= credit_line(record).limit_minor
