"""The catalog search benchmark, run small in a throwaway database beside the test session's: it
seeds with COPY, runs every kind of search through the project's query, and reports every
figure. No timing assertions."""

from __future__ import annotations

from bench.catalog_search import measure_on, seed
from tests.bench.databases import a_migrated_database

KINDS = {"keyword", "keyword_and_filters", "typo_keyword", "filters_only", "keyword_page_3_by_price"}
INDEXES = {"ix_listings_search", "ix_listings_title_trgm", "ix_listings_newest", "ix_listings_cash_price",
           "ix_listings_credits_price", "ix_listings_on_site_city", "ix_listings_category_newest"}


def test_the_benchmark_seeds_searches_every_kind_and_reports_index_sizes(database_url):
    with a_migrated_database(database_url, "catalog_bench") as bench_url:
        seed(bench_url, listings=3000, businesses=60)
        result = measure_on(bench_url, runs=5)

    assert result["listings"] == 3000
    assert set(result["kinds"]) == KINDS
    for kind, figures in result["kinds"].items():
        assert figures["runs"] == 5 and 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"], kind
    # Every keyword is a word of the generated titles, and every typo is one letter off one.
    assert result["kinds"]["keyword"]["runs_with_results"] == 5
    assert result["kinds"]["typo_keyword"]["runs_with_results"] == 5
    assert set(result["index_sizes"]) >= INDEXES
    assert set(result["target"]) == {"p95_ms", "met"} and result["worst_p95_ms"] > 0
    # CPU is read from /proc in 10 ms ticks: five tiny searches may well cost "0" — reported, not judged.
    assert all(k["cpu_ms_per_search"]["postgres"] >= 0 for k in result["kinds"].values())
