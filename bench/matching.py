"""Matching and barter-ring detection at scale (issue 5's target: a full recompute over
10,000 open wants and 10,000 offers in at most 2 s, and new listings matched incrementally).

Generates a market with a fixed seed — categories in a two-level tree, half the listings
remote and half on site in one of a few cities, prices in cash, credits or both, some open to
barter — then times, in this process:

- the full recompute: index every listing, every want's best matches, every barter ring,
  and the rings to propose;
- incremental matching: each of 500 new listings (half wants, half offers) added and matched
  on its own against the market, updating the wants' best matches (p50/p95 per listing).

Run it with `python -m bench.matching [--wants 10000 --offers 10000]` (part of `make bench`).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from domain.barter_rings import find_rings, propose
from domain.matching import Kind, MarketListing, MatchIndex

CITIES = ["Lyon", "Paris", "Lille", "Nantes", "Bordeaux", "Nice", "Rennes", "Metz"]


def business_ratings(businesses: int, seed: int = 7) -> dict[int, float | None]:
    """Each business's reputation (None: no reviews yet), as the product rates an offer: by its
    business, so the database-backed phase (bench/matching_db.py) can store the same market."""
    rng = random.Random(seed)
    return {business: None if rng.random() < 0.2 else round(rng.uniform(2.5, 5.0), 1)
            for business in range(1, businesses + 1)}


def a_market(wants: int, offers: int, businesses: int, seed: int = 7) -> list[MarketListing]:
    rng = random.Random(seed)
    ratings = business_ratings(businesses, seed)
    categories = [(parent * 100 + child, parent) for parent in range(1, 11) for child in range(5)]

    def listing(listing_id: int, kind: Kind) -> MarketListing:
        category, parent = rng.choice(categories)
        model = rng.random()
        price = rng.randrange(50_00, 2_000_00, 10_00)
        business = rng.randrange(1, businesses + 1)
        return MarketListing(
            listing_id, business, kind, category, parent,
            price_cash_minor=price if model < 0.6 else None,
            price_credits_minor=price if model > 0.4 else None,
            open_to_barter=rng.random() < 0.3 or 0.4 <= model <= 0.6,
            city="" if rng.random() < 0.5 else rng.choice(CITIES),
            rating=ratings[business],
        )
    return ([listing(n, Kind.WANT) for n in range(1, wants + 1)]
            + [listing(wants + n, Kind.OFFER) for n in range(1, offers + 1)])


def market_and_newcomers(wants: int, offers: int, businesses: int,
                         new: int) -> tuple[list[MarketListing], list[MarketListing]]:
    """The open market, and `new` listings published after it (half wants, half offers)."""
    market = a_market(wants + new // 2, offers + new - new // 2, businesses)
    existing = [m for m in market if m.listing_id <= wants or wants + new // 2 < m.listing_id
                <= wants + new // 2 + offers]
    kept = {m.listing_id for m in existing}
    return existing, [m for m in market if m.listing_id not in kept]


def full_recompute(listings: list[MarketListing]) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    index = MatchIndex(listings)
    best = index.recompute()
    matches = [match for found in best.values() for match in found]
    rings = find_rings(matches, {listing.listing_id: listing for listing in listings})
    proposals = propose(rings)
    return {"seconds": round(time.perf_counter() - started, 3), "cpu_seconds": round(time.process_time() - cpu, 3),
            "matches": len(matches),
            "wants_matched": sum(1 for found in best.values() if found),
            "rings": len(rings), "rings_proposed": len(proposals), "index": index, "best": best}


def incremental(index: MatchIndex, best: dict, new: list[MarketListing]) -> dict:
    timings = []
    for listing in new:
        started = time.perf_counter()
        index.add_and_match(listing, best)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=20)
    return {"listings": len(new), "p50_ms": round(statistics.median(timings), 2), "p95_ms": round(cuts[18], 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wants", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--businesses", type=int, default=3_000)
    parser.add_argument("--new", type=int, default=500)
    args = parser.parse_args(argv)
    existing, new = market_and_newcomers(args.wants, args.offers, args.businesses, args.new)
    full = full_recompute(existing)
    report = {
        "benchmark": "matching", "wants": args.wants, "offers": args.offers, "businesses": args.businesses,
        "full_recompute": {k: v for k, v in full.items() if k not in ("index", "best")},
        "incremental": incremental(full["index"], full["best"], new),
        "target_full_recompute_s": 2.0,
    }
    report["target_met"] = report["full_recompute"]["seconds"] <= 2.0
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
