"""The issue's bad input for reviews: outside the rating window, twice, or by a non-party —
each refused with its reason, and the deal unchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import AlreadyDone, DeadlinePassed, InvalidInput, InvalidTransition, NotADealParty
from domain.stages import Stage
from tests.domain.builders import BUYER, NOW, SELLER, STRANGER, a_deal, a_review


def test_a_review_before_the_deal_is_completed_is_refused():
    deal = a_deal("inspection")
    with pytest.raises(InvalidTransition, match="cannot rate partner while the deal is inspection"):
        deal.review(BUYER, a_review(BUYER, SELLER), NOW)


def test_a_review_after_the_rating_window_is_refused_even_before_its_timer_closes_the_deal():
    deal = a_deal("rating")
    late = deal.rating_ends_at + dt.timedelta(seconds=1)
    with pytest.raises(DeadlinePassed, match="the rating window has closed"):
        deal.review(BUYER, a_review(BUYER, SELLER), late)
    assert Stage.RATING is deal.stage and deal.reviews == ()


def test_a_review_once_the_window_closed_the_deal_is_refused():
    deal = a_deal("rating").review(SELLER, a_review(SELLER, BUYER), NOW).deal
    end = deal.rating_ends_at
    while deal.stage is Stage.RATING:  # the reminder, then the window's end
        deal = deal.on_clock(end).deal
    assert deal.stage is Stage.CLOSED and deal.reviews_revealed
    with pytest.raises(InvalidTransition, match="cannot rate partner while the deal is closed"):
        deal.review(BUYER, a_review(BUYER, SELLER), end)


def test_a_second_review_by_the_same_party_is_refused():
    first = a_deal("rating").review(BUYER, a_review(BUYER, SELLER), NOW).deal
    with pytest.raises(AlreadyDone, match="already rated"):
        first.review(BUYER, a_review(BUYER, SELLER, score=1), NOW)
    assert len(first.reviews) == 1


def test_a_review_by_a_non_party_or_about_someone_else_is_refused():
    deal = a_deal("rating")
    with pytest.raises(NotADealParty, match="only the two parties"):
        deal.review(STRANGER, a_review(STRANGER, SELLER), NOW)
    with pytest.raises(InvalidInput, match="by one party about the other"):
        deal.review(BUYER, a_review(BUYER, STRANGER), NOW)
    with pytest.raises(InvalidInput, match="by one party about the other"):
        deal.review(BUYER, a_review(SELLER, BUYER), NOW)  # in the partner's name
