"""A disputed deal's histories — the deal's and its dispute's — replay with the current code.

`SAVE_DEAL_HISTORY=1` saves them beside the other histories (tests/workflows/histories), which
test_replay.py replays on every run.
"""

from __future__ import annotations

import os

from temporalio.worker import Replayer

from domain.dispute_stages import DisputeAction
from domain.rulings import Ruling, refund_share
from domain.stages import Stage
from tests.workflows.dispute_driver import QUICK, DisputeDriver, an_arbitrator, deal_stage, ruled_on_the_quick
from tests.workflows.driver import open_deal
from tests.workflows.test_replay import HISTORY_DIR
from workflows.deal import DealWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.messages import ReviewInput
from workflows.worker import WORKFLOW_RUNNER


async def test_a_fresh_disputed_deal_history_replays(client, database_url):
    an_arbitrator(database_url)
    deal = await open_deal(client, database_url, dispute_policy=QUICK)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    dispute = DisputeDriver(client, deal)
    await dispute.open(deal.buyer)
    await dispute.act(deal.seller, DisputeAction.OFFER_SETTLEMENT,
                      ruling=Ruling((refund_share("CRD", 1_000),), "10 % back"))
    await ruled_on_the_quick(dispute, Ruling((refund_share("CRD", 3_000),), "Two drafts of three are usable."))
    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    await deal.act(deal.buyer, "review", review=ReviewInput(2, 3, 3))
    await deal.act(deal.seller, "review", review=ReviewInput(3, 3, 3))
    await deal.handle.result()

    replayer = Replayer(workflows=[DealWorkflow, DisputeWorkflow], workflow_runner=WORKFLOW_RUNNER)
    for name, handle in (("disputed_deal_closed", deal.handle), ("dispute_ruled", dispute.handle)):
        history = await handle.fetch_history()
        await replayer.replay_workflow(history)
        if os.environ.get("SAVE_DEAL_HISTORY"):
            (HISTORY_DIR / f"{name}.json").write_text(history.to_json())
