"""The baselines: bare Temporal workflows doing no work of their own, on the same server.

They measure what the Temporal server and one Python worker can do on this machine, so the
deal benchmark can report a ratio instead of an absolute number that depends on the box.

- `bare_throughput`: a workflow that runs N no-op activities, started and awaited by a client.
- `bare_interactive_throughput`: a deal's shape with nothing inside it: a client opens the
  workflow with update-with-start and sends N-1 more updates one after another; each update
  runs one no-op local activity and answers. It is what Temporal alone costs for one deal.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
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


@workflow.defn(name="BareInteractiveWorkflow")
class BareInteractiveWorkflow:
    def __init__(self) -> None:
        self.steps_left = 0

    @workflow.run
    async def run(self, steps: int) -> int:
        self.steps_left = steps
        await workflow.wait_condition(lambda: self.steps_left == 0)
        return steps

    @workflow.update(name="step")
    async def step(self, step: int) -> int:
        result = await workflow.execute_local_activity(noop, step, start_to_close_timeout=timedelta(seconds=30))
        self.steps_left -= 1
        return result


async def _rate(client: Client, workflows: int, concurrency: int, one: Callable[[], Awaitable[None]]) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> None:
        async with gate:
            await one()

    async with Worker(client, task_queue=QUEUE, workflows=[BareWorkflow, BareInteractiveWorkflow],
                      activities=[noop]):
        await asyncio.gather(*(gated() for _ in range(min(concurrency, workflows))))  # warm-up
        started = time.perf_counter()
        await asyncio.gather(*(gated() for _ in range(workflows)))
        return workflows / (time.perf_counter() - started)


async def bare_throughput(address: str, workflows: int, activities: int, concurrency: int) -> float:
    """Workflows per second, `concurrency` of them in flight at once."""
    client = await Client.connect(address)

    async def one() -> None:
        await client.execute_workflow(BareWorkflow.run, activities, id=f"bare-{uuid.uuid4().hex}", task_queue=QUEUE)

    return await _rate(client, workflows, concurrency, one)


async def bare_interactive_throughput(address: str, workflows: int, steps: int, concurrency: int) -> float:
    """Workflows per second, each driven through `steps` updates by its client."""
    client = await Client.connect(address)

    async def one() -> None:
        workflow_id = f"bare-interactive-{uuid.uuid4().hex}"
        start = WithStartWorkflowOperation(BareInteractiveWorkflow.run, steps, id=workflow_id, task_queue=QUEUE,
                                           id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
        await client.execute_update_with_start_workflow(BareInteractiveWorkflow.step, 0,
                                                        start_workflow_operation=start)
        handle = client.get_workflow_handle(workflow_id)
        for step in range(1, steps):
            await handle.execute_update(BareInteractiveWorkflow.step, step)
        await handle.result()

    return await _rate(client, workflows, concurrency, one)
