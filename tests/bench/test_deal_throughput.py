"""The deal benchmark, run tiny against its own stack: members get verified, every deal runs
from offer to closed through the API, and every figure is reported. No timing assertions."""

from __future__ import annotations

from bench.deal_throughput import measure

KEYS = {"deals", "deals_per_second", "bare_workflows_per_second", "ratio_to_bare",
        "bare_interactive_workflows_per_second", "ratio_to_bare_interactive", "activities_per_deal",
        "action_p50_ms", "action_p95_ms", "http_requests", "cpu_ms_per_deal", "cpu_cores_busy"}


def test_the_deal_benchmark_runs_deals_to_the_end_and_reports_every_figure():
    result = measure(deals=2, concurrency=1)

    assert result.keys() >= KEYS
    assert result["deals"] == 2 and result["http_requests"] == 2 * 7
    assert 0 < result["activities_per_deal"] <= 8
