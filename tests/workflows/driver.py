"""Workflow-test helpers: members, terms, and a driver that acts on a deal like the web does."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from temporalio.client import Client, WorkflowHandle

from domain.ledger import member_account
from domain.money import credits
from domain.terms import DealTerms, Leg, Obligation, Role
from integrations.db.app_models import DealEvent
from integrations.db.ledger import Ledger
from integrations.db.members import register_business
from integrations.db.session import unit_of_work
from integrations.temporal import OPENING_STAGE
from workflows.deal import DealWorkflow
from workflows.messages import DealCommand, DealInput, DealReply
from workflows.names import DEAL_OPENED, DEAL_UPDATE, deal_workflow_id


def a_business(database_url: str, credit_line_minor: int = 1_000_00) -> int:
    tag = uuid.uuid4().hex[:8]
    with unit_of_work(database_url) as session:
        return register_business(
            session, name=f"Business {tag}", email=f"owner-{tag}@example.test",
            display_name="Owner", password_hash="not-a-login", credit_line_minor=credit_line_minor,
        ).business_id


def credit_terms(price_minor: int = 100_00, due_in_days: int = 10, inspection_days: int = 7,
                 now: dt.datetime | None = None) -> DealTerms:
    now = now or dt.datetime.now(dt.UTC)
    return DealTerms(
        title="Logo design", legs=(Leg(Role.BUYER, credits(price_minor)),),
        obligations=(Obligation(Role.SELLER, "A logo in three formats", "Three drafts offered"),),
        delivery_due_at=now + dt.timedelta(days=due_in_days), inspection_days=inspection_days,
    )


def balance(database_url: str, business_id: int):
    with unit_of_work(database_url) as session:
        return Ledger(session).balance(member_account(business_id, "CRD"))


def timeline_kinds(database_url: str, deal_id: str) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(
            select(DealEvent.kind).where(DealEvent.deal_id == deal_id).order_by(DealEvent.seq)))


def event_count(database_url: str, deal_id: str) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(select(func.count()).where(DealEvent.deal_id == deal_id))


class DealDriver:
    """Drives one deal through the client exactly as the web does."""

    def __init__(self, client: Client, deal_id: str, buyer: int, seller: int) -> None:
        self.client, self.deal_id, self.buyer, self.seller = client, deal_id, buyer, seller

    @property
    def handle(self) -> WorkflowHandle:
        return self.client.get_workflow_handle_for(DealWorkflow.run, deal_workflow_id(self.deal_id))

    async def act(self, actor: int, action: str, **fields) -> DealReply:
        command = DealCommand(action=action, actor_business_id=actor, actor_user_id=0, **fields)
        return await self.handle.execute_update(DEAL_UPDATE, command, result_type=DealReply)


async def open_deal(client: Client, database_url: str, task_queue: str = "tradepact",
                    terms: DealTerms | None = None, buyer_line: int = 1_000_00, **input_fields) -> DealDriver:
    buyer, seller = a_business(database_url, buyer_line), a_business(database_url)
    deal_id = uuid.uuid4().hex[:20]
    handle = await client.start_workflow(
        DealWorkflow.run,
        # As the web starts a deal: DealStage already set, the lean commands asked for in the input.
        DealInput(deal_id, buyer, seller, buyer, terms or credit_terms(), **{"lean_commands": True, **input_fields}),
        id=deal_workflow_id(deal_id), task_queue=task_queue, search_attributes=OPENING_STAGE,
    )
    await handle.execute_update(DEAL_OPENED, result_type=DealReply)
    return DealDriver(client, deal_id, buyer, seller)
