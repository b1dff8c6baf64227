"""Deals per second through the whole stack, against bare Temporal on the same server.

Starts the local stack exactly as `make run` does (in a temporary directory, on free ports),
drives N credit deals from offer to closed through the JSON API with C concurrent clients,
and in the same run measures a bare workflow with the same number of no-op activities.
Prints deals/s, the ratio to bare, activities per deal, and p50/p95 of a user action.

    .venv/bin/python -m bench.deal_throughput [--deals 160] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client

from bench import cpu
from bench.bare_temporal import bare_interactive_throughput, bare_throughput
from devstack.api_client import ApiClient
from devstack.run import isolated_stack
from devstack.seed import DEMO_PASSWORD
from devstack.verification import approve, submit_verification
from workflows.names import deal_workflow_id

PASSWORD = "bench password 1"
ACTIONS = ("accept", "fund", "deliver", "confirm", "review", "review")


def a_member(api: ApiClient, admin: ApiClient, tag: str) -> ApiClient:
    """A registered member, verified (KYB) so its credit line is open, as a real member would be."""
    email = f"bench-{tag}@example.test"
    answer = api.post("/api/v1/businesses", {
        "business_name": f"Bench {tag}", "city": "Lyon", "description": "benchmark member",
        "display_name": "Bench", "email": email, "password": PASSWORD,
    })
    assert answer.status == 201, answer.body
    member = api.log_in(email, PASSWORD)
    business_id = answer.body["business_id"]
    assert submit_verification(member, business_id).status == 200
    assert approve(admin, business_id).status == 200
    return member


def run_deal(buyer: ApiClient, seller: ApiClient, listing_id: int, due: str) -> tuple[str, list[float]]:
    latencies = []
    opened = buyer.post("/api/v1/deals", {
        "listing_id": listing_id, "price": {"amount_minor": 2_00, "currency": "CRD"},
        "delivery_due_at": due, "inspection_days": 7, "acceptance_criteria": "done",
    }, **{"Idempotency-Key": uuid.uuid4().hex})
    assert opened.status == 201, opened.body
    latencies.append(opened.seconds)
    deal = f"/api/v1/deals/{opened.body['deal_id']}/actions"
    review = {"quality": 5, "timeliness": 5, "communication": 5, "comment": ""}
    for actor, action in zip((seller, buyer, seller, buyer, buyer, seller), ACTIONS, strict=True):
        answer = actor.post(f"{deal}/{action}", review if action == "review" else {})
        assert answer.status == 200, (action, answer.body)
        latencies.append(answer.seconds)
    return opened.body["deal_id"], latencies


async def activities_per_deal(address: str, deal_id: str) -> int:
    client = await Client.connect(address)
    history = await client.get_workflow_handle(deal_workflow_id(deal_id)).fetch_history()
    # Deal steps are local activities (recorded as markers); count regular ones too. A patch
    # (`workflow.patched`) is a marker as well, but no activity.
    return sum(1 for e in history.events if e.HasField("activity_task_scheduled_event_attributes")
               or e.marker_recorded_event_attributes.marker_name == "core_local_activity")


def measure(deals: int, concurrency: int) -> dict:
    with isolated_stack("bench", seed_demo=True) as stack:  # the demo admin verifies members
        api = ApiClient(stack.url)
        admin = api.log_in("admin@tradepact.example", DEMO_PASSWORD)
        pairs = [(a_member(api, admin, f"b{i}-{uuid.uuid4().hex[:6]}"),
                  a_member(api, admin, f"s{i}-{uuid.uuid4().hex[:6]}")) for i in range(concurrency)]
        listings = [seller.post("/api/v1/listings", {
            "kind": "offer", "title": "Benchmark service", "description": "for the benchmark",
            "category": "consulting", "price": {"amount_minor": 2_00, "currency": "CRD"},
        }).body["id"] for _buyer, seller in pairs]
        due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()

        def client_loop(index: int, count: int) -> list[tuple[str, list[float]]]:
            buyer, seller = pairs[index]
            return [run_deal(buyer, seller, listings[index], due) for _ in range(count)]

        per_client = [deals // concurrency + (1 if i < deals % concurrency else 0) for i in range(concurrency)]
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(client_loop, range(concurrency), [1] * concurrency))  # warm-up
            marker = stack.env["TRADEPACT_DEV_DIR"]
            cpu_before, started = cpu.snapshot(marker), time.perf_counter()
            results = [r for batch in pool.map(client_loop, range(concurrency), per_client) for r in batch]
            elapsed = time.perf_counter() - started
            cpu_used = cpu.used_between(cpu_before, cpu.snapshot(marker))
        latencies = sorted(s for _deal, lat in results for s in lat)
        activities = asyncio.run(activities_per_deal(stack.env["TEMPORAL_ADDRESS"], results[0][0]))
        address = stack.env["TEMPORAL_ADDRESS"]
        bare = asyncio.run(bare_throughput(address, deals, activities, concurrency))
        shaped = asyncio.run(bare_interactive_throughput(address, deals, 1 + len(ACTIONS), concurrency))
        deals_per_second = len(results) / elapsed
        return {
            "deals": len(results), "concurrency": concurrency,
            "deals_per_second": round(deals_per_second, 2),
            "bare_workflows_per_second": round(bare, 2),
            "ratio_to_bare": round(deals_per_second / bare, 2),
            "bare_interactive_workflows_per_second": round(shaped, 2),
            "ratio_to_bare_interactive": round(deals_per_second / shaped, 2),
            "activities_per_deal": activities,
            "action_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "action_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            "http_requests": len(latencies),
            "cpu_ms_per_deal": {group: round(1000 * seconds / len(results), 1) for group, seconds in cpu_used.items()},
            "cpu_cores_busy": round(sum(cpu_used.values()) / elapsed, 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=160)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    result = measure(args.deals, args.concurrency)
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "deal_throughput.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
