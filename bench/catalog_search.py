"""Catalog search latency over a seeded catalog, through the project's own search query.

Starts a throwaway embedded PostgreSQL, migrates it, and seeds it with COPY: B businesses in
a few cities, N listings (titles and descriptions drawn from service words, every payment
model, remote and on-site, across the whole category tree) and revealed reviews for most
businesses. Then it runs a realistic mix of searches through
`integrations.db.queries.catalog_search.find_listings`, each kind many times with varied
parameters, and reports p50/p95 per kind, the CPU one search costs the server and the client (so a
run on a busy machine can still be read), the load average, and the size of every index on
`listings`.

    .venv/bin/python -m bench.catalog_search [--listings 100000] [--businesses 2000] [--runs 200]

Target (issue 5): p95 <= 50 ms for every kind, filters applied, over 100,000 listings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from devstack.postgres import start_postgres, stop_postgres
from integrations.db.migrate import upgrade
from integrations.db.queries.catalog_search import ListingSearch, find_listings
from integrations.db.queries.category_tree import subtree_ids
from integrations.db.reputation_read_model import rebuild_reputations
from integrations.db.session import unit_of_work

TARGET_P95_MS = 50.0
CITIES = ("Lyon", "Paris", "Marseille", "Lille", "Nantes", "Bordeaux", "Toulouse", "Nice", "Grenoble", "Annecy")
WORDS = {
    "design": "logo brand identity poster illustration packaging typography website mockup",
    "marketing": "social media campaign newsletter seo ads copywriting content strategy",
    "accounting": "bookkeeping payroll vat returns annual accounts invoices tax audit",
    "it": "website development hosting backup laptop network repair database app",
    "printing": "business cards flyers posters banners brochures large format stickers",
    "catering": "lunch buffet cocktail wedding event dinner pastries coffee",
    "repairs": "plumbing electrical heating painting carpentry roof leak boiler",
    "photography": "product photos portrait video drone wedding event headshots",
    "consulting": "training workshop strategy coaching hr lean management",
    "legal": "contracts trademark gdpr incorporation lease employment advice",
}
KEYWORDS = ["logo", "bookkeeping", "website", "flyers", "wedding", "plumbing", "payroll", "drone",
            "trademark", "coaching", "business cards", "social media", "annual accounts", "boiler leak"]
TYPOS = ["bokkeeping", "webiste", "plumbng", "phtography", "brochurs", "tradmark", "weding", "payrol",
         "illustraton", "newsleter"]


def _pg(url: str) -> dict:
    from sqlalchemy import make_url
    parsed = make_url(url)
    return {"host": parsed.query.get("host") or parsed.host, "port": parsed.port or 5432,
            "user": parsed.username or "postgres", "dbname": parsed.database}


def seed(url: str, listings: int, businesses: int, seed_value: int = 7) -> None:
    """COPY `businesses` businesses, `listings` listings and reviews into the migrated database."""
    rng = random.Random(seed_value)
    with psycopg.connect(**_pg(url)) as conn:
        categories = conn.execute("SELECT c.id, coalesce(p.slug, c.slug) FROM categories c "
                                  "LEFT JOIN categories p ON p.id = c.parent_id").fetchall()
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM businesses").fetchone()[0]
        ids = list(range(first, first + businesses))
        with conn.cursor().copy("COPY businesses (id, name, description, city, website) FROM STDIN") as copy:
            for i in ids:
                copy.write_row((i, f"Bench business {i}", "", rng.choice(CITIES), ""))
        now = dt.datetime.now(dt.UTC)
        columns = ("business_id, kind, title, description, category_id, price_credits_minor, price_cash_minor, "
                   "open_to_barter, delivery_mode, city, lead_time_days, created_at")
        with conn.cursor().copy(f"COPY listings ({columns}) FROM STDIN") as copy:
            for _ in range(listings):
                copy.write_row(_listing(rng, rng.choice(ids), rng.choice(categories), now))
        _reviews(conn, rng, ids, now)
        conn.execute("SELECT setval(pg_get_serial_sequence('businesses', 'id'), max(id)) FROM businesses")
        conn.commit()
    with unit_of_work(url) as session:  # the stored scores the rating filter and sort read
        rebuild_reputations(session, now)
    with psycopg.connect(**_pg(url)) as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def _listing(rng: random.Random, business: int, category: tuple[int, str], now: dt.datetime) -> tuple:
    words = WORDS.get(category[1], WORDS["consulting"]).split()
    title = " ".join(rng.sample(words, rng.randint(2, 4))).capitalize()
    description = " ".join(rng.choices(words + ["quality", "fast", "local", "small", "team"], k=rng.randint(8, 30)))
    model = rng.choice(("cash", "credits", "hybrid", "barter", "cash", "credits"))
    cash = rng.randint(20, 5000) * 100 if model in ("cash", "hybrid") else None
    credits = rng.randint(20, 5000) * 100 if model in ("credits", "hybrid") else None
    barter = model == "barter" or rng.random() < 0.2
    on_site = rng.random() < 0.4
    return (business, rng.choice(("offer", "offer", "want")), title, description, category[0], credits, cash,
            barter, "on_site" if on_site else "remote", rng.choice(CITIES) if on_site else "",
            rng.randint(1, 60), now - dt.timedelta(minutes=rng.randint(0, 525_600)))


def _reviews(conn: psycopg.Connection, rng: random.Random, ids: list[int], now: dt.datetime) -> None:
    """Reviews need a deal: one minimal completed deal row per review, as the read model keeps it."""
    with conn.cursor().copy("COPY deals (deal_id, buyer_id, seller_id, title, model, stage, version, state, "
                            "created_at, updated_at) FROM STDIN") as copy:
        pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(len(ids) * 3)]
        for n, (buyer, seller) in enumerate(pairs):
            copy.write_row((f"bench-{n}", buyer, seller, "Bench deal", "credits", "completed", 1, "{}", now, now))
    with conn.cursor().copy("COPY reviews (deal_id, author_id, subject_id, quality, timeliness, communication, "
                            "comment, revealed, at) FROM STDIN") as copy:
        for n, (buyer, seller) in enumerate(pairs):
            copy.write_row((f"bench-{n}", buyer, seller, rng.randint(2, 5), rng.randint(1, 5), rng.randint(2, 5),
                            "", rng.random() < 0.9, now))


def query_mix(session: Session, rng: random.Random) -> dict[str, Callable[[], ListingSearch]]:
    """Each kind of search a user makes, with its parameters drawn afresh every run."""
    slugs = [row[0] for row in session.execute(text("SELECT slug FROM categories"))]
    subtrees = {slug: frozenset(subtree_ids(session, slug) or ()) for slug in slugs}

    def filters() -> dict:
        """Two to four filters at once, as people narrow a search."""
        low = rng.randint(0, 1000) * 100
        every = {"category_ids": subtrees[rng.choice(slugs)], "price": None,
                 "min_rating": rng.choice((3.0, 3.5)), "city": rng.choice(CITIES), "remote": True,
                 "payment": rng.choice((("cash",), ("credits", "hybrid"), ("barter",))),
                 "kind": rng.choice(("offer", "want"))}
        chosen = dict(rng.sample(sorted(every.items()), rng.randint(2, 4)))
        if "price" in chosen:
            del chosen["price"]
            chosen.update(currency=rng.choice(("EUR", "CRD")), price_min=low,
                          price_max=low + rng.randint(500, 3000) * 100)
        return chosen

    return {
        "keyword": lambda: ListingSearch(q=rng.choice(KEYWORDS)),
        "keyword_and_filters": lambda: ListingSearch(q=rng.choice(KEYWORDS), **filters()),
        "typo_keyword": lambda: ListingSearch(q=rng.choice(TYPOS)),
        "filters_only": lambda: ListingSearch(sort=rng.choice(("newest", "price_asc", "rating")), **filters()),
        "keyword_page_3_by_price": lambda: ListingSearch(q=rng.choice(KEYWORDS), sort="price_asc", page=3),
    }


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _percentile(sorted_ms: list[float], share: float) -> float:
    return round(sorted_ms[max(0, int(len(sorted_ms) * share + 0.5) - 1)], 2)


def measure_on(url: str, runs: int = 200, seed_value: int = 11) -> dict:
    """Run each kind of search `runs` times on the database at `url`; latencies in ms."""
    rng = random.Random(seed_value)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    kinds: dict[str, dict] = {}
    try:
        with Session(engine) as session:
            mix = query_mix(session, rng)
            backend = psutil.Process(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
            for name, make in mix.items():
                for _ in range(5):  # warm the plan and buffer caches
                    find_listings(session, make())
                latencies, found = [], 0
                server_before, client_before = _cpu(backend), time.process_time()
                for _ in range(runs):
                    search = make()
                    began = time.perf_counter()
                    page = find_listings(session, search)
                    latencies.append((time.perf_counter() - began) * 1000)
                    found += bool(page.items)
                server_ms = 1000 * (_cpu(backend) - server_before) / runs
                client_ms = 1000 * (time.process_time() - client_before) / runs
                latencies.sort()
                kinds[name] = {"p50_ms": _percentile(latencies, 0.5), "p95_ms": _percentile(latencies, 0.95),
                               "max_ms": round(latencies[-1], 2), "runs": runs, "runs_with_results": found,
                               "cpu_ms_per_search": {"postgres": round(server_ms, 2),
                                                     "client (Python)": round(client_ms, 2)}}
            sizes = session.execute(text(
                "SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_stat_user_indexes "
                "WHERE relname = 'listings' ORDER BY pg_relation_size(indexrelid) DESC")).all()
            listings = session.execute(text("SELECT count(*) FROM listings")).scalar_one()
            table = session.execute(text("SELECT pg_size_pretty(pg_relation_size('listings'))")).scalar_one()
    finally:
        engine.dispose()
    worst = max(k["p95_ms"] for k in kinds.values())
    return {"listings": listings, "kinds": kinds, "worst_p95_ms": worst, "load_average": os.getloadavg(),
            "cpu_cores": os.cpu_count(),
            "target": {"p95_ms": TARGET_P95_MS, "met": worst <= TARGET_P95_MS},
            "table_size": table, "index_sizes": dict(sizes)}


def measure(listings: int, businesses: int, runs: int) -> dict:
    datadir = Path(tempfile.mkdtemp(prefix="tradepact-bench-pg-"))
    server, url = start_postgres(datadir, database="tradepact_bench")
    try:
        upgrade(url)
        began = time.perf_counter()
        seed(url, listings, businesses)
        seeded = round(time.perf_counter() - began, 1)
        return {**measure_on(url, runs), "businesses": businesses, "seed_seconds": seeded}
    finally:
        stop_postgres(server)
        shutil.rmtree(datadir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--businesses", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    result = measure(args.listings, args.businesses, args.runs)
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "catalog_search.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
