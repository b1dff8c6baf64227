"""Catalog search against the real PostgreSQL: ranking, typos, every filter, sorting and pages.

The database is shared with other tests, so each test's listings carry a word of their own and
every search asks for it (or checks only its own listings' places)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from integrations.db.app_models import DealRow, Listing, ReviewRow
from integrations.db.queries.catalog_search import ListingSearch, find_listings
from integrations.db.queries.category_tree import category_tree, subtree_ids
from integrations.db.reputation_models import ReputationRow
from integrations.db.reputation_read_model import refresh_reputation
from integrations.db.session import unit_of_work
from tests.builders import a_business, a_listing


def word() -> str:
    return "qx" + uuid.uuid4().hex[:8]


def search(database_url: str, **kwargs) -> list[int]:
    with unit_of_work(database_url) as session:
        return [item.id for item in find_listings(session, ListingSearch(**kwargs)).items]


def a_review(database_url: str, subject_id: int, score: int) -> None:
    """A revealed review of `subject_id` (the review needs a deal: a minimal completed one)."""
    author = a_business(database_url)
    now = dt.datetime.now(dt.UTC)
    deal_id = f"test-review-{uuid.uuid4().hex[:12]}"
    with unit_of_work(database_url) as session:
        session.add(DealRow(deal_id=deal_id, buyer_id=author.business_id, seller_id=subject_id, title="Done",
                            model="credits", stage="completed", version=1, state={}, created_at=now, updated_at=now))
        session.flush()
        session.add(ReviewRow(deal_id=deal_id, author_id=author.business_id, subject_id=subject_id, quality=score,
                              timeliness=score, communication=score, comment="", revealed=True, at=now))
        session.flush()
        refresh_reputation(session, subject_id, now)  # as the deal step that reveals a review does


@pytest.fixture
def owner(database_url):
    return a_business(database_url)


def test_ranked_full_text_puts_the_title_match_first(database_url, owner):
    w = word()
    in_description = a_listing(database_url, owner.business_id, title="Carpentry", description=f"{w} {w} wood")
    in_title = a_listing(database_url, owner.business_id, title=f"{w} carpentry", description=f"{w} furniture")
    a_listing(database_url, owner.business_id, title="Bookkeeping")
    assert search(database_url, q=w) == [in_title, in_description]


def test_a_misspelt_word_finds_the_listing_through_the_closest_known_word(database_url, owner):
    suffix = uuid.uuid4().hex[:6]
    wanted = a_listing(database_url, owner.business_id, title=f"Harpsichord{suffix} tuning")
    assert search(database_url, q=f"harpsicord{suffix}") == [wanted]  # one letter missing
    assert search(database_url, q=f"harpsichrod{suffix} tuning") == [wanted]  # two swapped
    assert search(database_url, q=f"zzzzzz{suffix}qqqq") == []


def test_partial_title_words_match(database_url, owner):
    w = word()
    wanted = a_listing(database_url, owner.business_id, title=f"Accounting{w}")
    assert search(database_url, q=f"counting{w[:4]}") == [wanted]


def test_a_category_includes_its_subcategories(database_url, owner):
    w = word()
    child = a_listing(database_url, owner.business_id, title=f"{w} ledgers", category="bookkeeping")
    parent = a_listing(database_url, owner.business_id, title=f"{w} audit", category="accounting")
    elsewhere = a_listing(database_url, owner.business_id, title=f"{w} logo", category="design")
    with unit_of_work(database_url) as session:
        accounting = frozenset(subtree_ids(session, "accounting"))
        only_child = frozenset(subtree_ids(session, "bookkeeping"))
        tree = category_tree(session)
    assert set(search(database_url, q=w, category_ids=accounting)) == {child, parent}
    assert search(database_url, q=w, category_ids=only_child) == [child]
    assert elsewhere in search(database_url, q=w)
    by_slug = {c.slug: c for c in tree}
    assert by_slug["bookkeeping"].parent_id == by_slug["accounting"].id and by_slug["bookkeeping"].depth == 1


def test_price_range_is_in_the_chosen_currency(database_url, owner):
    w = word()
    cheap_cash = a_listing(database_url, owner.business_id, title=f"{w} a", price_minor=None, cash_minor=100_00)
    dear_cash = a_listing(database_url, owner.business_id, title=f"{w} b", price_minor=None, cash_minor=500_00)
    credits = a_listing(database_url, owner.business_id, title=f"{w} c", price_minor=120_00)
    assert search(database_url, q=w, currency="EUR", price_min=50_00, price_max=200_00) == [cheap_cash]
    assert search(database_url, q=w, currency="CRD", price_min=50_00, price_max=200_00) == [credits]
    assert search(database_url, q=w, currency="EUR", price_min=200_00) == [dear_cash]


def test_payment_models_filter_alone_and_together(database_url, owner):
    w = word()
    cash = a_listing(database_url, owner.business_id, title=f"{w} cash", price_minor=None, cash_minor=10_00)
    credits = a_listing(database_url, owner.business_id, title=f"{w} credits", price_minor=10_00)
    hybrid = a_listing(database_url, owner.business_id, title=f"{w} hybrid", price_minor=10_00, cash_minor=10_00)
    barter = a_listing(database_url, owner.business_id, title=f"{w} barter", price_minor=None, open_to_barter=True)
    assert search(database_url, q=w, payment=("cash",)) == [cash]
    assert search(database_url, q=w, payment=("credits",)) == [credits]
    assert search(database_url, q=w, payment=("hybrid",)) == [hybrid]
    assert search(database_url, q=w, payment=("barter",)) == [barter]
    assert set(search(database_url, q=w, payment=("cash", "barter"))) == {cash, barter}


def test_delivery_remote_and_on_site_in_a_city(database_url, owner):
    w = word()
    remote = a_listing(database_url, owner.business_id, title=f"{w} remote")
    lyon = a_listing(database_url, owner.business_id, title=f"{w} lyon", delivery_mode="on_site", city="Lyon")
    paris = a_listing(database_url, owner.business_id, title=f"{w} paris", delivery_mode="on_site", city="Paris")
    assert search(database_url, q=w, remote=True) == [remote]
    assert set(search(database_url, q=w, on_site=True)) == {lyon, paris}
    assert search(database_url, q=w, city="lyon") == [lyon]  # any case
    assert set(search(database_url, q=w, city="Lyon", remote=True)) == {remote, lyon}


def test_minimum_rating_and_sorting_by_rating(database_url):
    """On the stored reputation score: a few reviews are shrunk toward the platform's mean, so
    each business here has five of them."""
    w = word()
    good, poor, unrated = (a_business(database_url) for _ in range(3))
    for score in (5, 5, 5, 5, 4):
        a_review(database_url, good.business_id, score)
    for score in (2, 2, 2, 2, 1):
        a_review(database_url, poor.business_id, score)
    by_good = a_listing(database_url, good.business_id, title=f"{w} good")
    by_poor = a_listing(database_url, poor.business_id, title=f"{w} poor")
    by_unrated = a_listing(database_url, unrated.business_id, title=f"{w} unrated")
    assert search(database_url, q=w, min_rating=4.0) == [by_good]
    assert search(database_url, q=w, sort="rating") == [by_good, by_poor, by_unrated]
    with unit_of_work(database_url) as session:
        shown = find_listings(session, ListingSearch(q=w, min_rating=4.0)).items[0]
        stored = session.get(ReputationRow, good.business_id)
        unrated_shown = find_listings(session, ListingSearch(q=f"{w} unrated")).items[0]
    assert (shown.rating, shown.rating_count) == (stored.score, 5) and stored.score >= 4.0
    assert (unrated_shown.rating, unrated_shown.rating_count) == (None, 0)


def test_sorting_by_price_and_newest_and_paging(database_url, owner):
    w = word()
    ids = [a_listing(database_url, owner.business_id, title=f"{w} n{n}", price_minor=None, cash_minor=price)
           for n, price in enumerate((300_00, 100_00, 200_00))]
    assert search(database_url, q=w, sort="price_asc") == [ids[1], ids[2], ids[0]]
    assert search(database_url, q=w, sort="price_desc") == [ids[0], ids[2], ids[1]]
    assert search(database_url, q=w, sort="newest") == ids[::-1]
    with unit_of_work(database_url) as session:
        first = find_listings(session, ListingSearch(q=w, sort="newest", per_page=2))
        second = find_listings(session, ListingSearch(q=w, sort="newest", per_page=2, page=2))
        past = find_listings(session, ListingSearch(q=w, sort="newest", per_page=2, page=50))
    assert [i.id for i in first.items] == ids[:0:-1] and first.has_next
    assert [i.id for i in second.items] == [ids[0]] and not second.has_next
    assert past.items == [] and not past.has_next


def test_filters_alone_without_text(database_url, owner):
    w = word()
    wanted = a_listing(database_url, owner.business_id, title=f"{w} want", kind="want", delivery_mode="on_site",
                       city=f"City{w}")
    a_listing(database_url, owner.business_id, title=f"{w} offer", kind="offer", delivery_mode="on_site",
              city=f"City{w}")
    assert search(database_url, kind="want", city=f"city{w}") == [wanted]


def test_inactive_listings_are_never_found(database_url, owner):
    w = word()
    hidden = a_listing(database_url, owner.business_id, title=f"{w} hidden")
    with unit_of_work(database_url) as session:
        session.get(Listing, hidden).active = False
    assert search(database_url, q=w) == []


@pytest.mark.parametrize("text", ["'; DROP TABLE listings; --", "<script>alert(1)</script>", "%_\\", "a\x00b",
                                  "x" * 5000, "!!! ??? ***", "\"unbalanced", "or 1=1", "-"])
def test_any_text_is_safe(database_url, text):
    with unit_of_work(database_url) as session:
        before = session.scalar(select(Listing.id).order_by(Listing.id.desc()).limit(1))
        find_listings(session, ListingSearch(q=text, sort="relevance"))
        assert session.scalar(select(Listing.id).order_by(Listing.id.desc()).limit(1)) == before
