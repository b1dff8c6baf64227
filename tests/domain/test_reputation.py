"""Reputation: recent reviews weigh more, few reviews shrink toward the platform's mean, lost
disputes pull the score down and won ones leave it alone."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.reputation import (
    DisputeResult,
    Rating,
    ReputationPolicy,
    age_weight,
    platform_mean,
    reputation_of,
)

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
POLICY = ReputationPolicy()


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def a_rating(stars: int = 5, days: float = 0, **dimensions: int) -> Rating:
    values = dict(quality=stars, timeliness=stars, communication=stars) | dimensions
    return Rating(at=days_ago(days), **values)


ratings = st.builds(Rating, at=st.integers(0, 2_000).map(days_ago), quality=st.integers(1, 5),
                    timeliness=st.integers(1, 5), communication=st.integers(1, 5))
disputes = st.builds(DisputeResult, at=st.integers(0, 2_000).map(days_ago), lost=st.booleans())
means = st.floats(1.0, 5.0)


def test_without_reviews_the_score_is_the_platform_mean():
    reputation = reputation_of([], [], 4.3, NOW)
    assert (reputation.score, reputation.review_count, reputation.quality) == (4.3, 0, None)
    assert reputation.parts() == ("platform average 4.30 ★, counted as 5 reviews",)


def test_one_perfect_review_is_shrunk_toward_the_platform_mean():
    # (5 × 4.0 + 1 × 5) / 6
    assert reputation_of([a_rating(5)], [], 4.0, NOW).score == 4.17


def test_many_perfect_reviews_approach_five():
    assert reputation_of([a_rating(5)] * 95, [], 4.0, NOW).score == 4.95


def test_a_review_half_a_year_old_counts_half():
    assert age_weight(days_ago(180), NOW, 180) == pytest.approx(0.5)
    old_bad, new_good = a_rating(1, days=360), a_rating(5, days=0)
    reputation = reputation_of([old_bad, new_good], [], 3.0, NOW)
    # (5 × 3 + 0.25 × 1 + 1 × 5) / 6.25
    assert reputation.score == 3.24 and reputation.review_weight == 1.25
    assert reputation.quality == 4.2  # (0.25 × 1 + 5) / 1.25


def test_dimensions_are_kept_apart():
    reputation = reputation_of([a_rating(quality=5, timeliness=2, communication=4)], [], 4.0, NOW)
    assert reputation.dimensions == {"quality": 5.0, "timeliness": 2.0, "communication": 4.0}


def test_a_lost_dispute_counts_as_two_one_star_reviews_and_a_won_one_as_nothing():
    reviews = [a_rating(5)] * 5
    clean = reputation_of(reviews, [], 4.0, NOW)
    won = reputation_of(reviews, [DisputeResult(NOW, lost=False)], 4.0, NOW)
    lost = reputation_of(reviews, [DisputeResult(NOW, lost=True)], 4.0, NOW)
    assert won.score == clean.score == 4.5
    assert lost.score == round((5 * 4 + 5 * 5 + 2 * 1) / 12, 2)
    assert (lost.lost_disputes, won.won_disputes) == (1, 1)
    assert lost.parts()[-1] == "1 lost dispute, counted as 2.0 one-star reviews after ageing"


def test_the_platform_mean_falls_back_to_the_default_before_any_review():
    assert platform_mean(0, 0) == POLICY.default_mean
    assert platform_mean(9.0, 2) == 4.5


@given(st.lists(ratings, max_size=30), st.lists(disputes, max_size=5), means)
def test_the_score_stays_between_one_and_five(reviews, results, mean):
    assert 1.0 <= reputation_of(reviews, results, mean, NOW).score <= 5.0


@given(st.lists(ratings, max_size=30), st.lists(disputes, max_size=5), means, disputes)
def test_losing_a_dispute_never_raises_the_score_and_winning_never_changes_it(reviews, results, mean, result):
    before = reputation_of(reviews, results, mean, NOW).score
    after = reputation_of(reviews, [*results, result], mean, NOW).score
    assert after <= before if result.lost else after == before


@given(st.lists(ratings, max_size=30), means, st.integers(1, 5))
def test_a_new_review_moves_the_score_toward_its_own_stars(reviews, mean, stars):
    before = reputation_of(reviews, [], mean, NOW).score
    after = reputation_of([*reviews, a_rating(stars)], [], mean, NOW).score
    assert min(before, stars) - 0.01 <= after <= max(before, stars) + 0.01


@given(st.integers(1, 4), st.integers(1, 1_000))
def test_the_same_review_counts_more_when_recent(stars, days):
    base = [a_rating(5)] * 3
    recent = reputation_of([*base, a_rating(stars, days=0)], [], 4.0, NOW).score
    older = reputation_of([*base, a_rating(stars, days=days)], [], 4.0, NOW).score
    assert recent <= older
