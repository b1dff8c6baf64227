"""A worker dying mid-deal: the deal continues and no transfer is posted twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

from temporalio import activity
from temporalio.worker import Worker

from activities.deal_steps import DealSteps
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from tests.workflows.driver import balance, open_deal, timeline_kinds
from workflows.deal import DealWorkflow
from workflows.messages import StepReceipt, StepRecord
from workflows.names import RECORD_STEP_ACTIVITY
from workflows.worker import WORKFLOW_RUNNER


def ledger_is_balanced(database_url: str, deal_id: str) -> bool:
    with unit_of_work(database_url) as session:
        ledger = Ledger(session)
        return all(v == 0 for v in ledger.trial_balance().values()) and all(
            v == 0 for v in ledger.escrow_balance(deal_id).values())


async def test_a_step_whose_result_is_lost_after_commit_is_not_applied_twice(client, database_url):
    """The activity commits, then its worker 'dies' before reporting: Temporal retries it."""
    real = DealSteps(database_url)
    lost_once: set[int] = set()

    @activity.defn(name=RECORD_STEP_ACTIVITY)
    def record_then_crash(record: StepRecord) -> StepReceipt:
        receipt = real.record_step(record)
        if record.step.kind in ("funded", "completed") and record.step.seq not in lost_once:
            lost_once.add(record.step.seq)
            raise RuntimeError("worker lost after the transaction committed")
        return receipt

    queue = f"crash-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(4) as executor:
        async with Worker(client, task_queue=queue, workflows=[DealWorkflow], workflow_runner=WORKFLOW_RUNNER,
                          activities=[record_then_crash], activity_executor=executor):
            deal = await open_deal(client, database_url, task_queue=queue)
            await deal.act(deal.seller, "accept")
            await deal.act(deal.buyer, "fund")
            await deal.act(deal.seller, "deliver")
            await deal.act(deal.buyer, "confirm")

    assert lost_once  # the crash really happened, twice
    assert balance(database_url, deal.buyer).posted == -100_00
    assert balance(database_url, deal.seller).posted == 95_00
    assert timeline_kinds(database_url, deal.deal_id).count("funded") == 1


def start_worker_process(settings, queue: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=settings.database_url,
               TEMPORAL_ADDRESS=settings.temporal_address, TEMPORAL_TASK_QUEUE=queue,
               SMTP_URL="smtp://127.0.0.1:9")
    return subprocess.Popen([sys.executable, "-m", "workflows.worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_a_killed_worker_process_is_replaced_and_the_deal_completes(client, database_url, settings):
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    first = start_worker_process(settings, queue)
    try:
        deal = await open_deal(client, database_url, task_queue=queue)
        await deal.act(deal.seller, "accept")
        await deal.act(deal.buyer, "fund")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()

    # The action is sent while no worker runs; it completes once a new worker starts.
    pending = asyncio.ensure_future(deal.act(deal.seller, "deliver"))
    await asyncio.sleep(0.5)
    assert not pending.done()
    second = start_worker_process(settings, queue)
    try:
        await asyncio.wait_for(pending, timeout=60)
        await deal.act(deal.buyer, "confirm")
    finally:
        second.terminate()
        second.wait(timeout=20)

    assert timeline_kinds(database_url, deal.deal_id) == [
        "offer_made", "accepted", "funded", "delivered", "completed"]
    assert balance(database_url, deal.seller).posted == 95_00
    assert ledger_is_balanced(database_url, deal.deal_id)
