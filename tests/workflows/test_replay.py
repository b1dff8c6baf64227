"""Saved deal histories must replay with the current workflow code (no non-determinism).

`SAVE_DEAL_HISTORY=1 make test` (or pytest on this file) saves the fresh history of a closed
credit deal beside the others (`SAVE_DEAL_HISTORY=<name>`: as <name>.json). When a change to DealWorkflow breaks replay of a saved history,
version the change with `workflow.patched` instead of deleting the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.deal import DealWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.worker import WORKFLOW_RUNNER

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=[DealWorkflow, DisputeWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)


async def test_a_fresh_history_replays(client, database_url):
    from tests.workflows.driver import open_deal
    from workflows.messages import ReviewInput

    deal = await open_deal(client, database_url)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    await deal.act(deal.buyer, "confirm")
    await deal.act(deal.buyer, "review", review=ReviewInput(5, 5, 5))
    await deal.act(deal.seller, "review", review=ReviewInput(4, 4, 4))
    await deal.handle.result()
    history = await deal.handle.fetch_history()
    await Replayer(workflows=[DealWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(history)
    if saved_as := os.environ.get("SAVE_DEAL_HISTORY"):  # "1", or the file's name without .json
        (HISTORY_DIR / f"{'credit_deal_closed' if saved_as == '1' else saved_as}.json").write_text(history.to_json())
