"""The matching benchmark, run small: it reports every figure and finds the market's rings.
No timing assertions."""

from __future__ import annotations

from bench.matching import main


def test_the_matching_benchmark_reports_every_figure():
    report = main(["--wants", "400", "--offers", "400", "--businesses", "60", "--new", "40"])

    full = report["full_recompute"]
    assert full["matches"] > 0 and 0 < full["wants_matched"] <= 400
    assert full["rings_proposed"] <= full["rings"]
    assert report["incremental"]["listings"] == 40
    assert report["target_met"] == (full["seconds"] <= 2.0)
