"""A worker dying while a ruling is executed: after the restart, money moves exactly once.

The Stripe activity does its call and then 'dies' before reporting, and the deal-step activity
commits the ruling's ledger changes and then 'dies': Temporal runs both again, the Stripe
idempotency keys and the ledger's transfer ids make the second run a no-op.
"""

from __future__ import annotations

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import stripe
from temporalio import activity
from temporalio.worker import Worker

from activities.cash import CashSteps
from activities.deal_steps import DealSteps
from activities.dispute_steps import DisputeSteps
from domain.cash import CashReceipt
from domain.money import Money, credits
from domain.rulings import Ruling, refund_share
from domain.stages import Stage
from domain.terms import Leg, Role
from integrations.stripe import StripeGateway
from tests.workflows.dispute_driver import (
    QUICK,
    DisputeDriver,
    an_arbitrator,
    assert_ledger_invariants,
    deal_stage,
    ruled_on_the_quick,
)
from tests.workflows.driver import balance, credit_terms, open_deal, timeline_kinds
from tests.workflows.test_cash_deal import onboard, stripe_objects
from workflows.deal import DealWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.messages import CashCall, StepReceipt, StepRecord
from workflows.names import MOVE_CASH_ACTIVITY, RECORD_STEP_ACTIVITY
from workflows.worker import WORKFLOW_RUNNER


async def test_a_ruling_executed_by_a_worker_that_dies_moves_money_once(client, database_url, settings):
    gateway = StripeGateway.from_settings(settings)
    steps, cash, disputes = DealSteps(database_url), CashSteps(database_url, gateway), DisputeSteps(database_url)
    lost: list[str] = []

    @activity.defn(name=RECORD_STEP_ACTIVITY)
    def record_then_crash(record: StepRecord) -> StepReceipt:
        receipt = steps.record_step(record)
        if record.step.kind == "ruling_executed" and "ledger" not in lost:
            lost.append("ledger")
            raise RuntimeError("worker lost after the ruling's transaction committed")
        return receipt

    @activity.defn(name=MOVE_CASH_ACTIVITY)
    def pay_then_crash(call: CashCall) -> CashReceipt:
        receipt = cash.move_cash(call)
        if ":ruling-" in call.movement.key and call.movement.key not in lost:
            lost.append(call.movement.key)
            raise RuntimeError("worker lost after Stripe paid")
        return receipt

    an_arbitrator(database_url)
    queue = f"dispute-crash-{uuid.uuid4().hex[:8]}"
    terms = replace(credit_terms(now=dt.datetime.now(dt.UTC)),
                    legs=(Leg(Role.BUYER, Money(60_00, "EUR")), Leg(Role.BUYER, credits(40_00))))
    with ThreadPoolExecutor(8) as executor:
        async with Worker(client, task_queue=queue, workflows=[DealWorkflow, DisputeWorkflow],
                          workflow_runner=WORKFLOW_RUNNER, activity_executor=executor,
                          activities=[record_then_crash, pay_then_crash, disputes.record_step,
                                      disputes.load_arbitrators]):
            deal = await open_deal(client, database_url, task_queue=queue, terms=terms, dispute_policy=QUICK)
            onboard(database_url, gateway, deal.seller)
            await deal.act(deal.seller, "accept")
            await deal.act(deal.buyer, "fund")
            await deal.act(deal.seller, "deliver")
            dispute = DisputeDriver(client, deal)
            await dispute.open(deal.buyer)
            await ruled_on_the_quick(dispute, Ruling((refund_share("EUR", 5_000), refund_share("CRD", 5_000)),
                                                     "Half the criteria are met."))
            assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"

    assert len(lost) == 3  # the payout, the refund and the ledger step each 'died' once
    sdk = stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base})
    assert stripe_objects(sdk, deal.deal_id) == {"charges": [60_00], "refunds": [27_50], "transfers": [26_00]}
    assert timeline_kinds(database_url, deal.deal_id).count("ruling_executed") == 1
    assert balance(database_url, deal.buyer).posted == -22_50
    assert balance(database_url, deal.seller).posted == 16_50
    assert_ledger_invariants(database_url, deal.deal_id)
