"""Disputed deals for the web tests, on the session's real Temporal dev server and worker.

The deal is started through the client with a short `DisputePolicy` (the only way the stack
lets a test shorten a dispute's clocks: they are fixed when the deal starts), walked to
inspection as its parties would, and from there the tests act through the web pages. Waiting
is for a stage in the read model, never for a fixed time.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update

from domain.dispute_policy import DisputePolicy
from domain.evidence import EvidenceRules
from integrations.db.app_models import DealRow, User
from integrations.db.dispute_models import DisputeRow, EvidenceFileBlob
from integrations.db.session import unit_of_work
from tests.builders import PASSWORD, Login, a_business
from tests.workflows.driver import DealDriver, credit_terms
from web.auth.passwords import hash_password
from workflows.deal import DealWorkflow
from workflows.messages import DealInput, DealReply
from workflows.names import DEAL_OPENED, deal_workflow_id

WAIT_S = 60


def short_policy(settlement_s: int = 600, evidence_s: int = 600, appeal_s: int = 600,
                 max_file_bytes: int = 2_000) -> DisputePolicy:
    return DisputePolicy(settlement_talks_s=settlement_s, evidence_s=evidence_s, appeal_window_s=appeal_s,
                         evidence=EvidenceRules(max_file_bytes=max_file_bytes))


@dataclass(frozen=True)
class DeliveredDeal:
    deal_id: str
    buyer: Login
    seller: Login


def delivered_credit_deal(worker, database_url: str, policy: DisputePolicy, price_minor: int = 100_00) -> DeliveredDeal:
    """A credit deal between two new members, paid into escrow and delivered: under inspection."""
    buyer, seller = a_business(database_url), a_business(database_url)
    deal_id = uuid.uuid4().hex[:20]

    async def walk() -> None:
        handle = await worker.client.start_workflow(
            DealWorkflow.run, DealInput(deal_id, buyer.business_id, seller.business_id, buyer.business_id,
                                        credit_terms(price_minor), dispute_policy=policy),
            id=deal_workflow_id(deal_id), task_queue="tradepact")
        await handle.execute_update(DEAL_OPENED, result_type=DealReply)
        deal = DealDriver(worker.client, deal_id, buyer.business_id, seller.business_id)
        await deal.act(seller.business_id, "accept")
        await deal.act(buyer.business_id, "fund")
        await deal.act(seller.business_id, "deliver")

    worker.run(walk())
    return DeliveredDeal(deal_id, buyer, seller)


def wait_for(read, wanted, what: str):
    """`read()` once it returns `wanted` (the workflow's timers fire on their own)."""
    deadline, found = time.monotonic() + WAIT_S, None
    while time.monotonic() < deadline:
        found = read()
        if found == wanted:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} is {found!r}, not {wanted!r}")


def dispute_row(database_url: str, deal_id: str) -> tuple[str | None, int | None]:
    with unit_of_work(database_url) as session:
        row = session.get(DisputeRow, deal_id)
        return (row.stage, row.arbitrator_id) if row else (None, None)


def wait_for_stage(database_url: str, deal_id: str, stage: str) -> None:
    wait_for(lambda: dispute_row(database_url, deal_id)[0], stage, "the dispute's stage")


def wait_for_deal_stage(database_url: str, deal_id: str, stage: str) -> None:
    def read():
        with unit_of_work(database_url) as session:
            return session.scalar(select(DealRow.stage).where(DealRow.deal_id == deal_id))
    wait_for(read, stage, "the deal's stage")


def assigned_arbitrator(database_url: str, deal_id: str) -> Login:
    """The arbitrator the workflow chose (any in the shared database), with a password to log in."""
    deadline = time.monotonic() + WAIT_S
    while (arbitrator_id := dispute_row(database_url, deal_id)[1]) is None:
        assert time.monotonic() < deadline, "no arbitrator was assigned"
        time.sleep(0.2)
    return login_for(database_url, arbitrator_id)


def login_for(database_url: str, user_id: int) -> Login:
    with unit_of_work(database_url) as session:
        session.execute(update(User).where(User.id == user_id).values(
            password_hash=hash_password(PASSWORD, fast=True)))
        email = session.scalar(select(User.email).where(User.id == user_id))
    return Login(user_id, email, PASSWORD)


def stored_files(database_url: str, deal_id: str) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(select(func.count()).select_from(EvidenceFileBlob).where(
            EvidenceFileBlob.deal_id == deal_id))
