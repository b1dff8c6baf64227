"""The issue's bad input for reviews, through the API: outside the rating window, twice, or by a
non-party — refused with the rule's reason, and no review is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from integrations.db.app_models import ReviewRow
from integrations.db.session import unit_of_work
from tests.web.test_deals_api import GOOD, act, open_deal


@pytest.fixture
def pair(api, member, listing):
    seller, buyer = member(), member()
    return api(seller), api(buyer), listing(seller, price_minor=200_00), seller, buyer


def stored_reviews(database_url: str, deal_id: str) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(select(func.count()).where(ReviewRow.deal_id == deal_id))


def test_a_review_before_completion_is_refused(pair, database_url):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    for caller, action in [(seller_api, "accept"), (buyer_api, "fund"), (seller_api, "deliver")]:
        assert act(caller, deal_id, action).status_code == 200
    early = act(buyer_api, deal_id, "review", GOOD)
    assert early.status_code == 409 and "while the deal is inspection" in early.json["message"]
    assert stored_reviews(database_url, deal_id) == 0


def test_a_review_by_a_non_party_is_not_even_seen_and_a_review_after_closing_is_refused(
        pair, api, member, database_url):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    for caller, action in [(seller_api, "accept"), (buyer_api, "fund"), (seller_api, "deliver"),
                           (buyer_api, "confirm")]:
        assert act(caller, deal_id, action).status_code == 200
    stranger = act(api(member()), deal_id, "review", GOOD)
    assert stranger.status_code == 404
    assert act(buyer_api, deal_id, "review", GOOD).status_code == 200
    assert act(seller_api, deal_id, "review", GOOD).status_code == 200  # both in: the deal closes
    late = act(seller_api, deal_id, "review", GOOD)
    assert late.status_code == 409 and late.json["message"] == "cannot rate partner while the deal is closed"
    assert stored_reviews(database_url, deal_id) == 2


def test_a_malformed_review_is_a_422_with_field_errors(pair, database_url):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    for caller, action in [(seller_api, "accept"), (buyer_api, "fund"), (seller_api, "deliver"),
                           (buyer_api, "confirm")]:
        assert act(caller, deal_id, action).status_code == 200
    bad = act(buyer_api, deal_id, "review", {"quality": 6, "timeliness": 0, "communication": "five"})
    assert bad.status_code == 422 and {"quality", "timeliness", "communication"} <= set(bad.json["errors"])
    assert stored_reviews(database_url, deal_id) == 0
