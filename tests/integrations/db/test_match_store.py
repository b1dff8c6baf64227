"""The matching activities against PostgreSQL: a listing matched on its own gives what a full
recompute gives, ratings are the stored reputation, and a retried run changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, text

from activities.matching_steps import MatchingSteps
from domain.matching import Match
from integrations.db import match_store
from integrations.db.app_models import Category
from integrations.db.matching_models import ListingMatch
from integrations.db.reputation_models import ReputationRow
from integrations.db.session import session_factory, unit_of_work
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


def test_a_full_recompute_replaces_every_stored_match_and_a_kept_match_keeps_the_time_it_was_found(database_url):
    # Listing ids no builder reaches; the transaction is rolled back, leaving the session's rows be.
    w1, w2, w3, o1, o2 = range(2_000_000_001, 2_000_000_006)
    kept, dropped = Match(95, w1, o1, 1, 2, (40, 25, 15, 5, 10)), Match(75, w2, o1, 3, 2, (20, 25, 15, 5, 10))
    rescored, added = Match(90, w1, o2, 1, 4, (40, 25, 15, 0, 10)), Match(95, w3, o2, 5, 4, (40, 25, 15, 5, 10))
    earlier = NOW - dt.timedelta(hours=1)
    session = session_factory(database_url)()
    try:
        assert match_store.replace_all(session, {w1: [kept, rescored], w2: [dropped]}, earlier) == 3
        rescored = Match(85, w1, o2, 1, 4, (40, 20, 15, 0, 10))
        assert match_store.replace_all(session, {w1: [kept, rescored], w3: [added]}, NOW) == 3

        rows = session.execute(select(ListingMatch.want_id, ListingMatch.offer_id, ListingMatch.score,
                                      ListingMatch.price_points, ListingMatch.matched_at)).all()
        assert sorted(rows) == [(w1, o1, 95, 25, earlier), (w1, o2, 85, 20, NOW), (w3, o2, 95, 25, NOW)]
        assert match_store.replace_all(session, {}, NOW) == 0
        assert session.scalar(select(func.count()).select_from(ListingMatch)) == 0
    finally:
        session.rollback()
        session.close()


def indexes(session) -> dict[str, tuple[int, str]]:
    """listing_matches' indexes: name -> (oid, definition)."""
    rows = session.execute(text("SELECT c.relname, c.oid, pg_get_indexdef(c.oid) FROM pg_index x "
                                "JOIN pg_class c ON c.oid = x.indexrelid "
                                "WHERE x.indrelid = 'listing_matches'::regclass"))
    return {name: (oid, definition) for name, oid, definition in rows}


def test_a_load_into_the_empty_table_builds_its_plain_indexes_after_it_as_they_were(database_url, monkeypatch):
    monkeypatch.setattr(match_store, "BULK_LOAD", 2)
    w1, o1, o2 = range(2_000_000_011, 2_000_000_014)
    found = {w1: [Match(95, w1, o1, 1, 2, (40, 25, 15, 5, 10)), Match(90, w1, o2, 1, 3, (40, 25, 15, 0, 10))]}
    session = session_factory(database_url)()
    try:
        match_store.replace_all(session, {}, NOW)
        before = indexes(session)
        assert match_store.replace_all(session, found, NOW) == 2

        after = indexes(session)
        assert {name: definition for name, (_, definition) in after.items()} == {
            name: definition for name, (_, definition) in before.items()}
        rebuilt = {name for name in after if after[name][0] != before[name][0]}
        assert rebuilt == {"ix_listing_matches_offer_id", "ix_listing_matches_want_business_id",
                           "ix_listing_matches_offer_business_id"}  # the primary key stays
        assert session.scalar(select(func.count()).select_from(ListingMatch).where(ListingMatch.offer_id == o2)) == 1
    finally:
        session.rollback()
        session.close()
