"""Barter rings: A wants what B offers, B what C offers, C what A offers."""

from __future__ import annotations

from domain.barter_rings import BarterRing, find_rings, propose
from domain.matching import Kind, MarketListing, MatchIndex


def barter(listing_id, business_id, kind, category_id, city="") -> MarketListing:
    return MarketListing(listing_id, business_id, kind, category_id, None, open_to_barter=True, city=city)


# Ada (1) designs, Ben (2) keeps books, Cleo (3) prints; each wants the next one's service.
DESIGN, BOOKS, PRINT = 1, 2, 3
RING = [
    barter(11, 1, Kind.OFFER, DESIGN), barter(12, 1, Kind.WANT, BOOKS),
    barter(21, 2, Kind.OFFER, BOOKS), barter(22, 2, Kind.WANT, PRINT),
    barter(31, 3, Kind.OFFER, PRINT), barter(32, 3, Kind.WANT, DESIGN),
]


def rings_of(listings):
    index = MatchIndex(listings)
    matches = [m for found in index.recompute().values() for m in found]
    return find_rings(matches, {listing.listing_id: listing for listing in listings})


def test_three_businesses_each_serving_the_next_form_one_ring():
    [ring] = rings_of(RING)
    assert ring.business_ids == (1, 2, 3)
    assert [(leg.want_id, leg.offer_id) for leg in ring.legs] == [(12, 21), (22, 31), (32, 11)]
    assert ring.score == min(leg.score for leg in ring.legs)
    assert ring.key == "ring-12.21-22.31-32.11"


def test_no_ring_when_a_link_is_missing_or_paid_for():
    assert rings_of(RING[:-1]) == []
    paid = [*RING[:-1], MarketListing(32, 3, Kind.WANT, DESIGN, None, price_credits_minor=100_00)]
    assert rings_of([*paid, MarketListing(11, 1, Kind.OFFER, DESIGN, None, price_credits_minor=90_00,
                                          open_to_barter=True)]) == []


def test_no_ring_across_cities():
    assert rings_of([*RING[:4], barter(31, 3, Kind.OFFER, PRINT, "Lyon"), RING[5]]) == []


def test_proposals_never_promise_one_listing_to_two_rings():
    # Dan (4) offers printing too: two rings share Ada's and Ben's listings.
    listings = [*RING, barter(41, 4, Kind.OFFER, PRINT), barter(42, 4, Kind.WANT, DESIGN)]
    rings = rings_of(listings)
    assert {r.business_ids for r in rings} == {(1, 2, 3), (1, 2, 4)}
    assert len(propose(rings)) == 1


def test_a_ring_as_plain_numbers_is_the_same_ring():
    [ring] = rings_of(RING)
    assert len(ring.numbers) == 30 and all(type(n) is int for n in ring.numbers)
    assert BarterRing.from_numbers(ring.numbers) == ring
