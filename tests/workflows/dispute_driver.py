"""Dispute-test helpers: a deal walked to inspection, a dispute opened on it, arbitrators, and
the checks every dispute path ends with (ledger invariants, what each side holds)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from temporalio.client import Client

from domain.dispute_policy import DisputePolicy
from domain.dispute_stages import DisputeAction, DisputeStage
from domain.disputes import Dispute
from domain.stages import Stage
from integrations.db.app_models import DealRow, User
from integrations.db.dispute_models import Arbitrator as ArbitratorRow
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from tests.workflows.driver import DealDriver
from workflows.dispute_messages import DisputeCommand, DisputeReply, OpenDispute
from workflows.names import DEAL_OPEN_DISPUTE, DISPUTE_QUERY, DISPUTE_UPDATE, dispute_workflow_id


def an_arbitrator(database_url: str, senior: bool = False, business_id: int | None = None) -> int:
    tag = uuid.uuid4().hex[:8]
    with unit_of_work(database_url) as session:
        user = User(email=f"arb-{tag}@staff.example.test", display_name=f"Arbitrator {tag}",
                    password_hash="not-a-login", role="arbitrator")
        session.add(user)
        session.flush()
        session.add(ArbitratorRow(user_id=user.id, is_senior=senior, business_id=business_id))
        return user.id


class DisputeDriver:
    """Acts on a deal's dispute through the client exactly as the web does."""

    def __init__(self, client: Client, deal: DealDriver) -> None:
        self.client, self.deal = client, deal

    @property
    def handle(self):
        return self.client.get_workflow_handle(dispute_workflow_id(self.deal.deal_id))

    async def open(self, opener: int, reason: str = "not_as_described", details: str = "The logo is blurry",
                   asked_for: str = "A full refund"):
        return await self.deal.handle.execute_update(
            DEAL_OPEN_DISPUTE, OpenDispute(opener, 0, reason, details, asked_for))

    async def act(self, actor: int, action: DisputeAction, **fields) -> DisputeReply:
        command = DisputeCommand(action=action, actor_id=actor, **fields)
        return await self.handle.execute_update(DISPUTE_UPDATE, command, result_type=DisputeReply)

    async def state(self) -> Dispute:
        return await self.handle.query(DISPUTE_QUERY, result_type=Dispute)

    async def arbitrator(self) -> int:
        """The arbitrator assigned now (waits for the workflow to assign one)."""
        for _ in range(200):
            current = (await self.state()).current_assignment
            if current is not None:
                return current.arbitrator_id
            await asyncio.sleep(0.05)
        raise AssertionError("no arbitrator was assigned")


async def deal_stage(database_url: str, deal_id: str, wanted: Stage, attempts: int = 300) -> str:
    """The deal's stage in the read model, once it is `wanted` (or what it is after waiting)."""
    stage = ""
    for _ in range(attempts):
        with unit_of_work(database_url) as session:
            stage = session.scalar(select(DealRow.stage).where(DealRow.deal_id == deal_id))
        if stage == wanted.value:
            break
        await asyncio.sleep(0.05)
    return stage


def assert_ledger_invariants(database_url: str, deal_id: str) -> None:
    """Everything balances and the deal's escrow is empty: every minor unit went where ruled."""
    with unit_of_work(database_url) as session:
        ledger = Ledger(session)
        assert all(total == 0 for total in ledger.trial_balance().values())
        assert all(amount == 0 for amount in ledger.escrow_balance(deal_id).values())
        assert all(total == 0 for total in ledger.pending_balance().values())


# Windows of a second, for tests on the real dev server: the case reaches a ruling at once.
QUICK = DisputePolicy(settlement_talks_s=1, evidence_s=1, ruling_sla_s=3_600, appeal_window_s=1)


async def dispute_stage(dispute: DisputeDriver, wanted: DisputeStage, attempts: int = 400) -> DisputeStage:
    stage = None
    for _ in range(attempts):
        stage = (await dispute.state()).stage
        if stage is wanted:
            break
        await asyncio.sleep(0.05)
    return stage


async def ruled_on_the_quick(dispute: DisputeDriver, ruling) -> None:
    """Through talks and evidence (a second each, nobody speaks), then the arbitrator rules."""
    assert await dispute_stage(dispute, DisputeStage.AWAITING_RULING) is DisputeStage.AWAITING_RULING
    await dispute.act(await dispute.arbitrator(), DisputeAction.RULE, ruling=ruling)


def recorded_outcome(database_url: str, deal_id: str) -> str | None:
    from integrations.db.dispute_models import DisputeRow

    with unit_of_work(database_url) as session:
        return session.scalar(select(DisputeRow.outcome).where(DisputeRow.deal_id == deal_id))
