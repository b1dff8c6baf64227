"""The matching benchmarks, run small: the pure domain's reports every figure and finds the
market's rings; the database-backed one, in a throwaway database beside the test session's,
stores the same matches the pure domain finds. No timing assertions."""

from __future__ import annotations

import pytest

from bench.matching import main
from bench.matching_db import measure_on
from tests.bench.databases import a_migrated_database


def test_the_matching_benchmark_reports_every_figure():
    report = main(["--wants", "400", "--offers", "400", "--businesses", "60", "--new", "40"])

    full = report["full_recompute"]
    assert full["matches"] > 0 and 0 < full["wants_matched"] <= 400
    assert full["rings_proposed"] <= full["rings"]
    assert report["incremental"]["listings"] == 40
    assert report["target_met"] == (full["seconds"] <= 2.0)


def test_the_database_backed_phase_stores_what_the_pure_domain_finds_and_reports_every_figure(database_url):
    with a_migrated_database(database_url, "matching_bench") as bench_url:
        report = measure_on(bench_url, wants=300, offers=300, businesses=40, new=20)

    assert report["same_matches_as_pure_domain"] == {"full_recompute": True, "after_incremental": True}
    first, again = report["full_recompute"], report["full_recompute_again"]
    assert first["recompute"]["listings"] == again["recompute"]["listings"] == 600
    assert first["recompute"]["matches"] == again["recompute"]["matches"] > 0
    for run in (first, again):
        assert run["cpu_seconds"]["total"] == pytest.approx(
            run["cpu_seconds"]["client (Python)"] + run["cpu_seconds"]["postgres"], abs=0.002)
    # The rings are proposed once: the first run records them, the hourly one finds them known.
    assert first["propose_rings"]["rings_proposed"] == report["rings_proposed_by_pure_domain"] > 0
    assert again["propose_rings"]["rings_proposed"] == 0
    assert report["incremental"]["listings"] == 20
    for step in ("match_listing", "propose_rings", "publication_total"):
        figures = report["incremental"][step]
        assert 0 < figures["p50_ms"] <= figures["max_ms"], step
    assert report["target_met"] == (max(first["seconds"], again["seconds"]) <= report["target_full_recompute_s"])
