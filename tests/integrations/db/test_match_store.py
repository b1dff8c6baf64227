"""The matching activities against PostgreSQL: a listing matched on its own gives what a full
recompute gives, ratings are the stored reputation, and a retried run changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from activities.matching_steps import MatchingSteps
from integrations.db import match_store
from integrations.db.app_models import Category
from integrations.db.matching_models import ListingMatch
from integrations.db.reputation_models import ReputationRow
from integrations.db.session import unit_of_work
from tests.builders import a_business, a_listing
from workflows.ring_messages import MatchRun

NOW = dt.datetime.now(dt.UTC)


def stored(database_url: str, want_ids: list[int]) -> set[tuple]:
    with unit_of_work(database_url) as session:
        rows = session.scalars(select(ListingMatch).where(ListingMatch.want_id.in_(want_ids)))
        return {(r.want_id, r.offer_id, r.score, r.category_points, r.price_points, r.payment_points,
                 r.rating_points, r.delivery_points) for r in rows}


def test_listings_matched_one_by_one_equal_a_full_recompute_and_a_retry_changes_nothing(database_url):
    steps, city = MatchingSteps(database_url), f"Matchburg {uuid.uuid4().hex[:8]}"
    place = dict(delivery_mode="on_site", city=city)
    businesses = [a_business(database_url).business_id for _ in range(3)]
    listings = [
        a_listing(database_url, businesses[0], kind="want", category="logo-design", price_minor=100_00, **place),
        a_listing(database_url, businesses[1], category="logo-design", price_minor=90_00, **place),
        a_listing(database_url, businesses[2], category="logo-design", price_minor=110_00, **place),  # 10 % over
        a_listing(database_url, businesses[2], category="web-design", price_minor=80_00, **place),  # a sibling
        a_listing(database_url, businesses[0], category="logo-design", price_minor=50_00, **place),  # its own
    ]
    for listing_id in listings:
        steps.match_listing(MatchRun(listing_id))
    steps.match_listing(MatchRun(listings[1]))  # a retried run
    one_by_one = stored(database_url, [listings[0]])
    assert {(offer, score, category, price) for _, offer, score, category, price, *_ in one_by_one} == {
        (listings[1], 95, 40, 25), (listings[2], 85, 40, 15), (listings[3], 75, 20, 25)}

    steps.recompute(MatchRun())
    assert stored(database_url, [listings[0]]) == one_by_one


def test_a_business_rating_is_its_reputation_score_and_a_new_business_counts_as_top_rated(database_url):
    rated, new = a_business(database_url).business_id, a_business(database_url).business_id
    offers = {a_listing(database_url, rated, category="payroll"): rated,
              a_listing(database_url, new, category="payroll"): new}
    with unit_of_work(database_url) as session:
        session.add(ReputationRow(business_id=rated, score=3.5, review_count=2, review_sum=7.0, parts=[],
                                  updated_at=NOW))
    with unit_of_work(database_url) as session:
        payroll = session.scalar(select(Category.id).where(Category.slug == "payroll"))
        found = {m.listing_id: m for m in match_store.load_market(session, [payroll]) if m.listing_id in offers}
    assert {offers[i]: (m.rating, m.rating_points) for i, m in found.items()} == {rated: (3.5, 7), new: (None, 5)}


def test_the_match_rate_counts_open_wants_with_a_stored_match(database_url):
    from integrations.db.queries.metrics import match_rate

    with unit_of_work(database_url) as session:
        before = match_rate(session)
    place = dict(delivery_mode="on_site", city=f"Rateville {uuid.uuid4().hex[:8]}")
    wanting, offering = a_business(database_url).business_id, a_business(database_url).business_id
    matched = a_listing(database_url, wanting, kind="want", category="payroll", price_minor=100_00, **place)
    a_listing(database_url, wanting, kind="want", category="logo-design", price_minor=100_00, **place)
    offer = a_listing(database_url, offering, category="payroll", price_minor=90_00, **place)
    MatchingSteps(database_url).match_listing(MatchRun(offer))
    with unit_of_work(database_url) as session:
        after = match_rate(session)
    assert {want for want, *_ in stored(database_url, [matched])} == {matched}
    assert (after.part - before.part, after.whole - before.whole) == (1, 2)
