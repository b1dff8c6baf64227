"""Matching wants to offers, with a score that explains itself.

A want (a service a business looks for) matches an offer (a service another business
provides) when they are in the same category — or, when that category has too few, a sibling
under the same parent — can be delivered where the want needs it, and share a way to pay.
Among those, the score (0–100) says how good the fit is, as five parts a member can read:

    category   40  same category; 20 for a sibling category
    price      25  the offer's price within the want's budget, in a currency both name
                   (falling to 0 at 25 % over budget); full when both trade by barter
    payment    15  the ways of paying both accept (cash, credits, barter)
    rating     10  the offering business's reputation (0–5 stars); 5 with no ratings yet
    delivery   10  both remote, or both on site in the same city

Hard rules (never a match, whatever the score): a business's own listings, no shared way to
pay, a price 25 % or more over budget (unless both barter), on site in different cities (or
one on site and one remote), a score under MIN_SCORE.

`MatchIndex` holds the open listings bucketed by category and place, so a full recompute
scores only plausible pairs and a new listing is matched on its own (incrementally): the
result is the same as a full recompute, at the cost of one listing.
Standard library only.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

MIN_SCORE = 50
TOP_MATCHES = 5  # per listing: what "matches for you" shows, and what rings are built from
OVER_BUDGET_CUTOFF = 4  # 1 / 25 %: the price part reaches zero at 25 % over budget
WEIGHTS = {"category": 40, "price": 25, "payment": 15, "rating": 10, "delivery": 10}
REMOTE = ""  # the place of a remote listing


class Kind(StrEnum):
    OFFER = "offer"
    WANT = "want"


class PaymentModel(StrEnum):
    CASH = "cash"
    CREDITS = "credits"
    BARTER = "barter"


BIT = {PaymentModel.CASH: 1, PaymentModel.CREDITS: 2, PaymentModel.BARTER: 4}
WAYS = (0, 1, 1, 2, 1, 2, 2, 3)  # how many ways of paying a bitmask holds
CASH_BIT, CREDITS_BIT, BARTER_BIT = BIT[PaymentModel.CASH], BIT[PaymentModel.CREDITS], BIT[PaymentModel.BARTER]
# The payment part, by the ways the want accepts and the ways both accept (bitmasks): the
# share of the want's ways that the offer takes too, rounded up.
PAYMENT_POINTS = tuple(tuple((WEIGHTS["payment"] * WAYS[shared] + WAYS[ways] - 1) // max(WAYS[ways], 1)
                             for shared in range(8)) for ways in range(8))


@dataclass(frozen=True)
class MarketListing:
    """What matching needs of a listing. Prices are minor units; None: not priced that way.

    For an offer the prices are what it asks; for a want, the budget. `city` is empty for a
    service delivered remotely. `rating` is the offering business's reputation, 0–5.
    """

    listing_id: int
    business_id: int
    kind: Kind
    category_id: int
    parent_category_id: int | None = None
    price_cash_minor: int | None = None
    price_credits_minor: int | None = None
    open_to_barter: bool = False
    city: str = REMOTE
    rating: float | None = None
    # Worked out once: a full recompute scores millions of pairs.
    ways: int = field(init=False, repr=False, compare=False, default=0)
    place: str = field(init=False, repr=False, compare=False, default=REMOTE)
    rating_points: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        # Bits as plain ints, not looked up by enum member: a full recompute builds 20,000 listings.
        ways = ((CASH_BIT if self.price_cash_minor else 0) | (CREDITS_BIT if self.price_credits_minor else 0)
                | (BARTER_BIT if self.open_to_barter else 0))
        object.__setattr__(self, "ways", ways)
        object.__setattr__(self, "place", self.city.strip().casefold())
        points = 5 if self.rating is None else round(WEIGHTS["rating"] * min(max(self.rating, 0.0), 5.0) / 5)
        object.__setattr__(self, "rating_points", points)

    @property
    def payment_models(self) -> frozenset[PaymentModel]:
        return frozenset(model for model, bit in BIT.items() if self.ways & bit)


@dataclass(frozen=True, order=True)
class Match:
    """A want matched to an offer; `parts` are the points per part, in WEIGHTS' order."""

    score: int
    want_id: int
    offer_id: int
    want_business_id: int
    offer_business_id: int
    parts: tuple[int, int, int, int, int]

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each part of the score in words, for the member reading "matches for you"."""
        category, price, payment, rating, delivery = self.parts
        return (
            f"category {category}/40: " + ("the same category" if category == 40 else "a related category"),
            f"price {price}/25: " + _price_words(price),
            f"payment {payment}/15: a way of paying both accept",
            f"rating {rating}/10: the offering business's reputation",
            f"delivery {delivery}/10: " + ("both remote or in the same city" if delivery else "—"),
        )


def _price_words(points: int) -> str:
    if points == WEIGHTS["price"]:
        return "within budget"
    return "a little over budget"


def score(want: MarketListing, offer: MarketListing, sibling: bool = False) -> Match | None:
    """The match of `want` with `offer`, or None when a hard rule excludes it."""
    scored = _parts(want, offer, sibling)
    if scored is None:
        return None
    return Match(scored[0], want.listing_id, offer.listing_id, want.business_id, offer.business_id, scored[1])


def _parts(want: MarketListing, offer: MarketListing,
           sibling: bool) -> tuple[int, tuple[int, int, int, int, int]] | None:
    """(score, parts), or None when a hard rule excludes the pair."""
    if want.business_id == offer.business_id or want.place != offer.place:
        return None
    shared = want.ways & offer.ways
    if not shared:
        return None
    if shared & BARTER_BIT:
        price = WEIGHTS["price"]
    else:
        price = max(_fit(want.price_cash_minor, offer.price_cash_minor),
                    _fit(want.price_credits_minor, offer.price_credits_minor))
        if not price:
            return None
    category = WEIGHTS["category"] // 2 if sibling else WEIGHTS["category"]
    payment = PAYMENT_POINTS[want.ways][shared]
    total = category + price + payment + offer.rating_points + WEIGHTS["delivery"]
    if total < MIN_SCORE:
        return None
    return total, (category, price, payment, offer.rating_points, WEIGHTS["delivery"])


def _fit(budget: int | None, asked: int | None) -> int:
    """Price points in one currency: full within budget, none from 25 % over."""
    if not budget or not asked:
        return 0
    if asked <= budget:
        return WEIGHTS["price"]
    return round(WEIGHTS["price"] * max(0.0, 1 - OVER_BUDGET_CUTOFF * (asked - budget) / budget))


class MatchIndex:
    """Open listings by (category, place), so only plausible pairs are ever scored."""

    def __init__(self, listings: Iterable[MarketListing] = ()) -> None:
        self._buckets: dict[tuple[Kind, int, str], dict[int, MarketListing]] = defaultdict(dict)
        self._children: dict[int, set[int]] = defaultdict(set)
        self._parent: dict[int, int | None] = {}
        self._listings: dict[int, MarketListing] = {}
        self._offer_rows: dict[tuple[int, str], list[tuple]] = {}  # what `_offers_scored` reads, by bucket
        for listing in listings:
            self.add(listing)

    def add(self, listing: MarketListing) -> None:
        self.remove(listing.listing_id)
        self._listings[listing.listing_id] = listing
        self._buckets[(listing.kind, listing.category_id, listing.place)][listing.listing_id] = listing
        self._offer_rows.pop((listing.category_id, listing.place), None)
        self._parent[listing.category_id] = listing.parent_category_id
        if listing.parent_category_id is not None:
            self._children[listing.parent_category_id].add(listing.category_id)

    def remove(self, listing_id: int) -> None:
        old = self._listings.pop(listing_id, None)
        if old is not None:
            self._buckets[(old.kind, old.category_id, old.place)].pop(listing_id, None)
            self._offer_rows.pop((old.category_id, old.place), None)

    def listings(self, kind: Kind) -> Iterator[MarketListing]:
        return (listing for listing in self._listings.values() if listing.kind is kind)

    def matches_for(self, listing: MarketListing, top: int | None = TOP_MATCHES) -> list[Match]:
        """The best matches of one listing (a want's offers, or an offer's wants), best first;
        `top=None`: every one, sibling categories included (a new offer is news to every
        want it fits; `best_of` decides whether a want takes it)."""
        found = self._scored(listing, listing.category_id, False, top)
        # (score, other's id) ranks as Match does (the listing's own id is the same in each):
        # rank the rows, build only the kept.
        if top is not None:
            found.sort(reverse=True)
            del found[top:]
        if top is None or len(found) < top:
            left = None if top is None else top - len(found)
            siblings = []
            for sibling in self._siblings(listing.category_id):
                siblings += self._scored(listing, sibling, True, left)  # each category's best `left` suffice
            if left is not None:
                siblings.sort(reverse=True)
                del siblings[left:]
            found += siblings
        # As best_of ranks them: the exact fits kept fill all places or leave `left` to siblings.
        found.sort(reverse=True)
        if listing.kind is Kind.WANT:
            want_id, want_business = listing.listing_id, listing.business_id
            return [Match(total, want_id, offer.listing_id, want_business, offer.business_id, parts)
                    for total, _, parts, offer in found]
        offer_id, offer_business = listing.listing_id, listing.business_id
        return [Match(total, want.listing_id, offer_id, want.business_id, offer_business, parts)
                for total, _, parts, want in found]

    def add_and_match(self, listing: MarketListing, current: dict[int, list[Match]],
                      top: int = TOP_MATCHES) -> list[Match]:
        """Add a new listing and update `current` (each want's best matches) in place, scoring
        only the new listing against the market; returns the new listing's matches. The
        result is what a full recompute would give."""
        self.add(listing)
        if listing.kind is Kind.WANT:
            current[listing.listing_id] = self.matches_for(listing, top)
            return current[listing.listing_id]
        found = self.matches_for(listing, None)
        for match in found:
            current[match.want_id] = best_of([*current.get(match.want_id, []), match], top)
        return found

    def recompute(self, top: int = TOP_MATCHES) -> dict[int, list[Match]]:
        """Every want's best matches, by want: the full recompute."""
        return {want.listing_id: self.matches_for(want, top) for want in self.listings(Kind.WANT)}

    def _bucket(self, kind: Kind, category_id: int, place: str) -> Iterable[MarketListing]:
        return self._buckets.get((kind, category_id, place), {}).values()

    def _siblings(self, category_id: int) -> set[int]:
        parent = self._parent.get(category_id)
        return self._children[parent] - {category_id} if parent is not None else set()

    def _scored(self, listing: MarketListing, category_id: int, sibling: bool,
                top: int | None = None) -> list[tuple[int, int, tuple[int, int, int, int, int], MarketListing]]:
        """(score, other's id, parts, other) of the matches of `listing` in one category: every
        one, or (`top`, for a want) at least the `top` best of them."""
        if listing.kind is Kind.WANT:
            rows = self._offer_rows.get((category_id, listing.place))
            if rows is None:
                rows = self._offer_rows[(category_id, listing.place)] = [
                    (offer.listing_id, offer.business_id, offer.ways, offer.price_cash_minor,
                     offer.price_credits_minor, offer.rating_points, offer)
                    for offer in sorted(self._bucket(Kind.OFFER, category_id, listing.place),
                                        key=lambda offer: -offer.rating_points)]
            return _offers_scored(listing, rows, sibling, top)
        found = []
        for other in self._bucket(Kind.WANT, category_id, listing.place):
            scored = _parts(other, listing, sibling)
            if scored is not None:
                found.append((scored[0], other.listing_id, scored[1], other))
        return found


def _offers_scored(want: MarketListing, offers: Iterable[tuple], sibling: bool,
                   top: int | None = None) -> list[tuple[int, int, tuple[int, int, int, int, int], MarketListing]]:
    """`_parts` for one want against the offers of one bucket (same place), written out: a full
    recompute scores about three quarters of a million pairs, and the calls and look-ups per
    pair were most of its time. It must agree with `_parts` pair for pair
    (tests/domain/test_matching.py). `offers`: rows as `MatchIndex._scored` caches them, best
    rated first; with `top`, the scan stops once `top` matches score above anything the rest
    could (an offer can score at most its rating part plus every other part in full)."""
    full_price, barter, delivery = WEIGHTS["price"], BARTER_BIT, WEIGHTS["delivery"]
    category = WEIGHTS["category"] // 2 if sibling else WEIGHTS["category"]
    want_ways, business = want.ways, want.business_id
    cash_budget, credits_budget = want.price_cash_minor, want.price_credits_minor
    payment = PAYMENT_POINTS[want_ways]
    found: list = []
    best: list[int] = []  # with `top`: the `top` best scores so far, a min-heap
    ceiling = category + full_price + WEIGHTS["payment"] + delivery  # all but the rating part
    stop_below = -1  # a rating under this cannot rank any more: once `top` scores beat its best total
    for offer_id, offer_business, offer_ways, cash_asked, credits_asked, rating, offer in offers:
        if rating < stop_below:
            break
        shared = want_ways & offer_ways
        if not shared or offer_business == business:
            continue
        if shared & barter:
            price = full_price
        else:
            # _fit written out (max(0, …) as a test: the same float, rounded the same).
            cash = credits = 0
            if cash_budget and cash_asked:
                if cash_asked <= cash_budget:
                    cash = full_price
                else:
                    fit = 1 - OVER_BUDGET_CUTOFF * (cash_asked - cash_budget) / cash_budget
                    cash = round(full_price * fit) if fit > 0 else 0
            if credits_budget and credits_asked:
                if credits_asked <= credits_budget:
                    credits = full_price
                else:
                    fit = 1 - OVER_BUDGET_CUTOFF * (credits_asked - credits_budget) / credits_budget
                    credits = round(full_price * fit) if fit > 0 else 0
            price = cash if cash > credits else credits
            if not price:
                continue
        total = category + price + payment[shared] + rating + delivery
        if total >= MIN_SCORE:
            found.append((total, offer_id, (category, price, payment[shared], rating, delivery), offer))
            if top:
                if len(best) < top:
                    heapq.heappush(best, total)
                    if len(best) == top:
                        stop_below = best[0] - ceiling
                elif total > best[0]:
                    heapq.heapreplace(best, total)
                    stop_below = best[0] - ceiling
    return found


def best_of(matches: list[Match], top: int | None = TOP_MATCHES) -> list[Match]:
    """A listing's matches to show, best first: sibling categories only fill the places
    that exact ones leave (a neighbour is a fallback, not a competitor of an exact fit)."""
    if top is None:
        return sorted(matches, reverse=True)
    exact = [match for match in matches if match.parts[0] == WEIGHTS["category"]]
    if len(exact) >= top:
        return heapq.nlargest(top, exact)
    siblings = [match for match in matches if match.parts[0] != WEIGHTS["category"]]
    return heapq.nlargest(top, exact + heapq.nlargest(top - len(exact), siblings))
