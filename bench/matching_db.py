"""Matching and ring detection at scale on the product's own path: PostgreSQL and the matching
activities (issue 5's target: a full recompute over 10,000 open wants and 10,000 offers in at
most 2 s, and new listings matched incrementally).

bench/matching.py times the pure domain; this times what the hourly MatchingWorkflow runs. It
starts a throwaway embedded PostgreSQL, migrates it, and stores with COPY the very market that
bench/matching.py generates (same seed; its categories become a two-level tree under the real
top categories, its businesses' ratings their stored reputation). Then it times, through
`activities.matching_steps.MatchingSteps` (Temporal itself is left out: a ring's workflow start
is one RPC per proposed ring):

- the full recompute: `recompute` (load the market, match, store every want's best matches,
  find the barter rings in them) then `propose_rings` (check the rings' listings are still
  open, record the new rings), the rings passed between them through Temporal's payload
  converter as the workflow passes them: first on an empty table with no ring proposed yet,
  then again as the hourly run finds it;
- incremental matching: each new listing inserted, then `match_listing` and `propose_rings`,
  the two activities a publication runs (p50/p95 per listing).

It checks that the stored matches are the pure domain's for the same market, after the full
recompute and after the incremental runs, and reports the CPU the client and PostgreSQL spent
and the load average (the machine is shared: read the CPU when the wall time wobbles).

    .venv/bin/python -m bench.matching_db [--wants 10000] [--offers 10000] [--businesses 3000] [--new 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg
from sqlalchemy import make_url, text
from temporalio.converter import DataConverter

from activities.matching_steps import MatchingSteps
from bench.matching import market_and_newcomers
from devstack.postgres import start_postgres, stop_postgres
from domain.barter_rings import find_rings, propose
from domain.matching import MarketListing, MatchIndex
from integrations.db.migrate import upgrade
from integrations.db.session import engine_for, unit_of_work
from workflows.ring_messages import MatchRun, ring_detection_run

TARGET_FULL_S = 2.0
PAYLOADS = DataConverter.default.payload_converter
LISTING_COLUMNS = ("id, business_id, kind, title, description, category_id, price_credits_minor, "
                   "price_cash_minor, open_to_barter, delivery_mode, city, lead_time_days")


def connect(url: str, **options) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.query.get("host") or parsed.host, port=parsed.port or 5432,
                           user=parsed.username or "postgres", dbname=parsed.database, **options)


def stored_market(url: str, market: list[MarketListing], newcomers: list[MarketListing],
                  businesses: int) -> tuple[list[MarketListing], list[MarketListing]]:
    """Give the generated listings, businesses and categories ids free in this database: the
    market as the database will hold it (newcomers are inserted later, one by one)."""
    with connect(url) as conn:
        parents = [row[0] for row in conn.execute(
            "SELECT id FROM categories WHERE parent_id IS NULL ORDER BY id LIMIT 10")]
        category = {}
        for n, parent in enumerate(parents, start=1):
            for child in range(5):
                category[n * 100 + child] = (conn.execute(
                    "INSERT INTO categories (slug, name, parent_id) VALUES (%s, %s, %s) RETURNING id",
                    (f"bench-{parent}-{child}", f"Bench {parent}.{child}", parent)).fetchone()[0], parent)
        business_base = conn.execute("SELECT coalesce(max(id), 0) FROM businesses").fetchone()[0]
        listing_base = conn.execute("SELECT coalesce(max(id), 0) FROM listings").fetchone()[0]
        with conn.cursor().copy("COPY businesses (id, name, description, city, website) FROM STDIN") as copy:
            for n in range(1, businesses + 1):
                copy.write_row((business_base + n, f"Matching bench business {business_base + n}", "", "", ""))
        conn.execute("SELECT setval(pg_get_serial_sequence('businesses', 'id'), max(id)) FROM businesses")
        conn.commit()

    def moved(listing: MarketListing) -> MarketListing:
        category_id, parent_id = category[listing.category_id]
        return dataclasses.replace(listing, listing_id=listing_base + listing.listing_id,
                                   business_id=business_base + listing.business_id,
                                   category_id=category_id, parent_category_id=parent_id)
    return [moved(m) for m in market], [moved(m) for m in newcomers]


def seed(url: str, market: list[MarketListing], ratings: dict[int, float]) -> None:
    """COPY the listings and the businesses' reputations (their rating) into the database."""
    with connect(url) as conn:
        with conn.cursor().copy(
                "COPY reputations (business_id, score, review_count, review_sum, lost_disputes, won_disputes, "
                "completed_deals, completed_volume_minor, parts, updated_at) FROM STDIN") as copy:
            for business, rating in ratings.items():
                copy.write_row((business, rating, 10, rating * 10, 0, 0, 10, 0, "[]", "2026-11-30T00:00:00+00:00"))
        with conn.cursor().copy(f"COPY listings ({LISTING_COLUMNS}) FROM STDIN") as copy:
            for listing in market:
                copy.write_row(_row(listing))
        conn.execute("SELECT setval(pg_get_serial_sequence('listings', 'id'), max(id)) FROM listings")
        conn.commit()
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _row(listing: MarketListing) -> tuple:
    return (listing.listing_id, listing.business_id, listing.kind.value, f"Bench {listing.kind} {listing.listing_id}",
            "", listing.category_id, listing.price_credits_minor, listing.price_cash_minor, listing.open_to_barter,
            "on_site" if listing.city else "remote", listing.city, 14)


def _stored(url: str, want_ids: set[int] | None = None) -> set[tuple]:
    with connect(url) as conn:
        rows = conn.execute("SELECT want_id, offer_id, want_business_id, offer_business_id, score, category_points, "
                            "price_points, payment_points, rating_points, delivery_points FROM listing_matches")
        return {row for row in rows if want_ids is None or row[0] in want_ids}


def _expected(best: dict) -> set[tuple]:
    return {(m.want_id, m.offer_id, m.want_business_id, m.offer_business_id, m.score, *m.parts)
            for found in best.values() for m in found}


class Cpu:
    """CPU seconds this process and the database server's processes spend in a block (the
    server's: its postmaster's children alive at the end; the pool keeps the backends)."""

    def __init__(self, url: str) -> None:
        with connect(url) as conn:  # the backend is looked up while it lives: it ends with the connection
            self._postmaster = psutil.Process(conn.execute("SELECT pg_backend_pid()").fetchone()[0]).parent()

    def _server(self) -> dict[int, float]:
        seconds = {}
        for process in self._postmaster.children():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            seconds[process.pid] = times.user + times.system
        return seconds

    def measure(self, block: Callable[[], object]) -> tuple[object, dict]:
        server, client, began = self._server(), time.process_time(), time.perf_counter()
        result = block()
        wall, client = time.perf_counter() - began, time.process_time() - client
        after = self._server()
        spent = sum(after[pid] - server.get(pid, 0.0) for pid in after)
        return result, {"seconds": round(wall, 3), "cpu_seconds": {"client (Python)": round(client, 3),
                                                                   "postgres": round(spent, 3)}}


def through_history(value: object) -> object:
    """`value` as an activity's worker and the next activity see it: through Temporal's payloads."""
    payloads = PAYLOADS.to_payloads([value])
    return PAYLOADS.from_payloads(payloads, [type(value)])[0]


def full_run(steps: MatchingSteps, cpu: Cpu) -> dict:
    # As MatchingWorkflow runs them: the recompute's rings go to ring detection in its input.
    summary, recompute = cpu.measure(lambda: through_history(steps.recompute(MatchRun())))
    proposals, rings = cpu.measure(
        lambda: steps.propose_rings(through_history(ring_detection_run(MatchRun(), summary))))
    cpu_seconds = {part: round(recompute["cpu_seconds"][part] + rings["cpu_seconds"][part], 3)
                   for part in recompute["cpu_seconds"]}
    return {"seconds": round(recompute["seconds"] + rings["seconds"], 3),
            "cpu_seconds": {**cpu_seconds, "total": round(sum(cpu_seconds.values()), 3)},
            "recompute": {**recompute, "listings": summary.listings, "matches": summary.matches},
            "propose_rings": {**rings, "rings_proposed": len(proposals.rings)}}


def incremental(url: str, steps: MatchingSteps, newcomers: list[MarketListing]) -> dict:
    matching, detection, both = [], [], []
    with connect(url, autocommit=True) as conn:
        for listing in newcomers:
            conn.execute(f"INSERT INTO listings ({LISTING_COLUMNS}) VALUES "
                         f"({', '.join(['%s'] * 12)})", _row(listing))
            began = time.perf_counter()
            steps.match_listing(MatchRun(listing.listing_id))
            matched = time.perf_counter()
            steps.propose_rings(MatchRun(listing.listing_id))
            done = time.perf_counter()
            matching.append((matched - began) * 1000)
            detection.append((done - matched) * 1000)
            both.append((done - began) * 1000)
    return {"listings": len(newcomers), "match_listing": _spread(matching), "propose_rings": _spread(detection),
            "publication_total": _spread(both)}


def _spread(ms: list[float]) -> dict:
    cuts = statistics.quantiles(ms, n=20) if len(ms) > 1 else ms * 19
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(cuts[18], 2), "max_ms": round(max(ms), 2)}


def measure_on(url: str, wants: int, offers: int, businesses: int, new: int) -> dict:
    """Seed the market into the migrated database at `url` and time the product's matching."""
    existing, newcomers = market_and_newcomers(wants, offers, businesses, new)
    existing, newcomers = stored_market(url, existing, newcomers, businesses)
    # A listing carries its business's rating: the reputation rows to store.
    ratings = {m.business_id: m.rating for m in existing + newcomers if m.rating is not None}
    began = time.perf_counter()
    seed(url, existing, ratings)
    seeded = round(time.perf_counter() - began, 1)

    steps, cpu = MatchingSteps(url), Cpu(url)
    try:
        with unit_of_work(url) as session:  # a worker's pool is open already: not part of a run
            session.execute(text("SELECT 1"))
        first = full_run(steps, cpu)
        index = MatchIndex(existing)
        best = index.recompute()
        same_full = _stored(url) == _expected(best)
        pure_rings = propose(find_rings([m for found in best.values() for m in found],
                                        {m.listing_id: m for m in existing}))
        again = full_run(steps, cpu)
        later = incremental(url, steps, newcomers)
        for listing in newcomers:
            index.add_and_match(listing, best)
        same_incremental = _stored(url) == _expected(best)
    finally:
        engine_for(url).dispose()
    report = {
        "benchmark": "matching_db", "wants": wants, "offers": offers, "businesses": businesses,
        "rated_businesses": len(ratings), "seed_seconds": seeded,
        "full_recompute": first, "full_recompute_again": again, "incremental": later,
        "same_matches_as_pure_domain": {"full_recompute": same_full, "after_incremental": same_incremental},
        "rings_proposed_by_pure_domain": len(pure_rings),
        "load_average": os.getloadavg(), "cpu_cores": os.cpu_count(),
        "target_full_recompute_s": TARGET_FULL_S,
    }
    report["target_met"] = max(first["seconds"], again["seconds"]) <= TARGET_FULL_S
    return report


def measure(wants: int, offers: int, businesses: int, new: int) -> dict:
    datadir = Path(tempfile.mkdtemp(prefix="tradepact-bench-pg-"))
    server, url = start_postgres(datadir, database="tradepact_bench")
    try:
        upgrade(url)
        return measure_on(url, wants, offers, businesses, new)
    finally:
        stop_postgres(server)
        shutil.rmtree(datadir, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wants", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--businesses", type=int, default=3_000)
    parser.add_argument("--new", type=int, default=200)
    args = parser.parse_args(argv)
    report = measure(args.wants, args.offers, args.businesses, args.new)
    print(json.dumps(report, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "matching_db.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
