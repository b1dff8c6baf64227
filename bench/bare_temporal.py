"""The baseline: a bare Temporal workflow with N no-op activities, on the same server.

It measures what the Temporal server and one Python worker can do on this machine, so the
deal benchmark can report a ratio instead of an absolute number that depends on the box.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

QUEUE = "bench-bare"


@activity.defn(name="bench_noop")
async def noop(step: int) -> int:
    return step


@workflow.defn(name="BareWorkflow")
class BareWorkflow:
    @workflow.run
    async def run(self, activities: int) -> int:
        for step in range(activities):
            await workflow.execute_activity(noop, step, start_to_close_timeout=timedelta(seconds=30))
        return activities


async def bare_throughput(address: str, workflows: int, activities: int, concurrency: int) -> float:
    """Workflows per second, `concurrency` of them in flight at once."""
    client = await Client.connect(address)
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await client.execute_workflow(BareWorkflow.run, activities, id=f"bare-{uuid.uuid4().hex}",
                                          task_queue=QUEUE)

    async with Worker(client, task_queue=QUEUE, workflows=[BareWorkflow], activities=[noop]):
        await asyncio.gather(*(one() for _ in range(min(concurrency, workflows))))  # warm-up
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(workflows)))
        return workflows / (time.perf_counter() - started)
