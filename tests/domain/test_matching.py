"""Matching wants to offers: the score's parts, the hard rules, and incremental = full."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.matching import Kind, MarketListing, MatchIndex, best_of, score

DESIGN, WEB, PRINT = 10, 11, 20  # DESIGN and WEB are siblings under 1; PRINT is under 2


def a_want(listing_id=1, business_id=1, category_id=DESIGN, **kw) -> MarketListing:
    kw.setdefault("price_credits_minor", 500_00)
    return MarketListing(listing_id, business_id, Kind.WANT, category_id, kw.pop("parent", 1), **kw)


def an_offer(listing_id=2, business_id=2, category_id=DESIGN, **kw) -> MarketListing:
    kw.setdefault("price_credits_minor", 400_00)
    return MarketListing(listing_id, business_id, Kind.OFFER, category_id, kw.pop("parent", 1), **kw)


def test_a_perfect_fit_scores_every_part_in_full():
    match = score(a_want(), an_offer(rating=5.0))
    assert match is not None
    assert match.parts == (40, 25, 15, 10, 10) and match.score == 100
    assert match.reasons[0] == "category 40/40: the same category"
    assert match.reasons[1] == "price 25/25: within budget"


def test_the_price_part_falls_to_zero_at_a_quarter_over_budget():
    def price(asked):
        return score(a_want(), an_offer(price_credits_minor=asked)).parts[1]
    assert price(500_00) == 25
    assert price(550_00) == 15  # 10 % over: 25 × (1 - 0.4)
    assert score(a_want(), an_offer(price_credits_minor=625_00)) is None  # 25 % over: not a match


def test_barter_on_both_sides_needs_no_price():
    want = a_want(price_credits_minor=None, open_to_barter=True)
    offer = an_offer(price_credits_minor=None, open_to_barter=True)
    assert score(want, offer).parts[1] == 25


def test_payment_counts_the_ways_both_accept_out_of_the_wants():
    want = a_want(price_cash_minor=100_00)  # cash or credits
    assert score(want, an_offer()).parts[2] == 8  # credits only: half of 15, rounded up
    assert score(want, an_offer(price_cash_minor=90_00)).parts[2] == 15


def test_unrated_businesses_get_half_the_rating_part():
    assert score(a_want(), an_offer()).parts[3] == 5
    assert score(a_want(), an_offer(rating=2.5)).parts[3] == 5
    assert score(a_want(), an_offer(rating=0.0)).parts[3] == 0


def test_hard_rules_exclude_whatever_the_score():
    assert score(a_want(business_id=2), an_offer(business_id=2)) is None  # its own listing
    assert score(a_want(), an_offer(price_credits_minor=None, price_cash_minor=10_00)) is None  # no way to pay
    assert score(a_want(city="Lyon"), an_offer(city="Paris")) is None
    assert score(a_want(city="Lyon"), an_offer()) is None  # on site in Lyon, offered remotely
    assert score(a_want(city="Lyon"), an_offer(city=" lyon ")) is not None


def test_a_weak_fit_below_the_threshold_is_not_a_match():
    # sibling category (20) + 20 % over budget (5) + one of two ways to pay (8) + rated 0 (0) + 10
    want = a_want(price_cash_minor=100_00)
    assert score(want, an_offer(category_id=WEB, price_credits_minor=600_00, rating=0.0), sibling=True) is None


def test_sibling_categories_match_at_half_the_category_part_and_rank_below_exact_fits():
    index = MatchIndex([a_want(), an_offer(2, 2, WEB), an_offer(3, 3, DESIGN), an_offer(4, 4, PRINT, parent=2)])
    matches = index.matches_for(a_want())
    assert [(m.offer_id, m.parts[0]) for m in matches] == [(3, 40), (2, 20)]
    assert "a related category" in matches[1].reasons[0]


def test_an_offer_finds_the_wants_it_fits():
    index = MatchIndex([a_want(1, 1), a_want(3, 3, price_credits_minor=100_00), an_offer()])
    assert [m.want_id for m in index.matches_for(an_offer(), None)] == [1]


def test_removed_listings_are_no_longer_matched():
    index = MatchIndex([a_want(), an_offer()])
    index.remove(2)
    assert index.matches_for(a_want()) == []


listing_specs = st.lists(st.tuples(
    st.sampled_from([Kind.WANT, Kind.OFFER]), st.integers(1, 5), st.sampled_from([DESIGN, WEB, PRINT]),
    st.one_of(st.none(), st.integers(50_00, 800_00)), st.booleans(), st.sampled_from(["", "Lyon"]),
    st.one_of(st.none(), st.floats(0, 5)),
), max_size=30)


@settings(max_examples=150, deadline=None)
@given(listing_specs)
def test_matching_listings_one_by_one_gives_the_full_recompute(specs):
    listings = []
    for n, (kind, business, category, credits, barter, city, rating) in enumerate(specs, start=1):
        listing = MarketListing(n, business, kind, category, 2 if category == PRINT else 1,
                                price_credits_minor=credits, open_to_barter=barter or credits is None,
                                city=city, rating=rating)
        listings.append(listing)
    incremental = MatchIndex()
    current: dict = {}
    for listing in listings:
        incremental.add_and_match(listing, current)
    full = MatchIndex(listings).recompute()
    assert {k: v for k, v in current.items() if v} == {k: v for k, v in full.items() if v}


def test_a_changed_listing_replaces_its_old_version():
    index = MatchIndex([a_want(), an_offer()])
    index.add(replace(an_offer(), city="Paris"))
    assert index.matches_for(a_want()) == []


# Prices close together, so that budgets are met, missed by a little and missed by too much.
priced = st.sampled_from([None, 80_00, 100_00, 110_00, 120_00, 130_00, 300_00])
a_side = st.tuples(st.integers(1, 8), priced, priced, st.booleans(), st.sampled_from(["", "", "", "Lyon", "lyon "]),
                   st.one_of(st.none(), st.floats(0, 5)), st.sampled_from([DESIGN, DESIGN, WEB]))


@settings(max_examples=400, deadline=None)
@given(a_side, st.lists(a_side, max_size=12))
@example((1, 100_00, 100_00, False, "", None, DESIGN), [(2, 115_00, None, False, "", 1.0, WEB)])  # scores 50
def test_a_want_matched_through_the_index_gets_each_pair_scored_alone(want_spec, offer_specs):
    def listing(n, kind, spec):
        business, cash, credits, barter, city, rating, category = spec
        return MarketListing(n, business, kind, category, 1, price_cash_minor=cash, price_credits_minor=credits,
                             open_to_barter=barter, city=city, rating=rating)
    want = listing(1, Kind.WANT, want_spec[:-1] + (DESIGN,))
    offers = [listing(n, Kind.OFFER, spec) for n, spec in enumerate(offer_specs, start=2)]
    alone = [m for m in (score(want, offer, sibling=offer.category_id != DESIGN) for offer in offers) if m]
    index = MatchIndex([want, *offers])
    assert index.matches_for(want, None) == sorted(alone, reverse=True)
    for top in (1, 3, 5):  # the scan for the best few stops early, with the same result
        assert index.matches_for(want, top) == best_of(alone, top)
