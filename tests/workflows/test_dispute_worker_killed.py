"""A worker PROCESS killed (SIGKILL) while a ruling is being executed: after a new worker starts,
each ruled movement exists once at Stripe and once in the ledger, and the deal closes.

The local Stripe server is told to lose its answers to the ruling's refund and transfer (fault
mode "after": the money moves, the worker hears an error and retries), so the kill lands after
Stripe has moved money the workflow has not yet recorded: the most dangerous moment for paying twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace

import requests
import stripe
from temporalio.api.enums.v1 import PendingActivityState

from domain.dispute_stages import DisputeAction, DisputeStage
from domain.money import Money, credits
from domain.rulings import Ruling, refund_share
from domain.stages import Stage
from domain.terms import Leg, Role
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import movements_for_deal
from integrations.stripe import StripeGateway
from tests.workflows.dispute_driver import (
    QUICK,
    DisputeDriver,
    an_arbitrator,
    assert_ledger_invariants,
    deal_stage,
    dispute_stage,
)
from tests.workflows.driver import balance, credit_terms, open_deal, timeline_kinds
from tests.workflows.test_cash_deal import onboard, stripe_objects
from tests.workflows.test_credit_deal import GOOD
from workflows.names import MOVE_CASH_ACTIVITY

RULED = {"charges": [60_00], "refunds": [27_50], "transfers": [26_00]}


def start_worker_process(settings, queue: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=settings.database_url, TEMPORAL_ADDRESS=settings.temporal_address,
               TEMPORAL_TASK_QUEUE=queue, STRIPE_API_BASE=settings.stripe_api_base,
               STRIPE_SECRET_KEY=settings.stripe_secret_key, SMTP_URL="smtp://127.0.0.1:9")
    return subprocess.Popen([sys.executable, "-m", "workflows.worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stripe_faults(settings, method: str, body: dict | None = None) -> list[dict]:
    answer = requests.request(method, f"{settings.stripe_api_base}/_config/faults", json=body, timeout=10,
                              headers={"Authorization": f"Bearer {settings.stripe_secret_key}"})
    answer.raise_for_status()
    return answer.json()["faults"]


def ledger_movements(database_url: str, deal_id: str) -> list[tuple[str, int, str]]:
    with unit_of_work(database_url) as session:
        return sorted((m.kind, m.amount_minor, m.status) for m in movements_for_deal(session, deal_id))


async def until_stripe_moved(sdk, deal_id: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        held = stripe_objects(sdk, deal_id)
        if held["refunds"] or held["transfers"] or time.monotonic() > deadline:
            return held
        await asyncio.sleep(0.1)


async def until_retrying_cash(deal, seconds: float = 60):
    """The deal's Stripe activity once it failed after moving money and waits at least half a second
    for its next attempt: a kill then cuts the ruling's execution between attempts, and the new worker
    takes the next one (a kill during a call would leave it to its 60 s start-to-close timeout)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        described = await deal.handle.describe()
        for pending in described.raw_description.pending_activities:
            waits = pending.next_attempt_schedule_time.ToDatetime(dt.UTC) - dt.datetime.now(dt.UTC)
            if (pending.activity_type.name == MOVE_CASH_ACTIVITY and pending.attempt >= 2
                    and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
                    and waits > dt.timedelta(seconds=0.5)):
                return pending
        await asyncio.sleep(0.05)
    return None


async def test_a_worker_killed_mid_ruling_is_replaced_and_each_movement_happens_once(client, database_url, settings):
    gateway = StripeGateway.from_settings(settings)
    sdk = stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base},
                              max_network_retries=0)
    an_arbitrator(database_url)
    queue = f"dispute-kill-{uuid.uuid4().hex[:8]}"
    terms = replace(credit_terms(now=dt.datetime.now(dt.UTC)),
                    legs=(Leg(Role.BUYER, Money(60_00, "EUR")), Leg(Role.BUYER, credits(40_00))))
    first = start_worker_process(settings, queue)
    try:
        deal = await open_deal(client, database_url, task_queue=queue, terms=terms, dispute_policy=QUICK)
        onboard(database_url, gateway, deal.seller)
        for side, action in ((deal.seller, "accept"), (deal.buyer, "fund"), (deal.seller, "deliver")):
            await deal.act(side, action)
        dispute = DisputeDriver(client, deal)
        await dispute.open(deal.buyer)
        assert await dispute_stage(dispute, DisputeStage.AWAITING_RULING) is DisputeStage.AWAITING_RULING

        for path in ("/v1/refunds", "/v1/transfers"):
            stripe_faults(settings, "POST", {"path_prefix": path, "method": "POST", "mode": "after", "count": 1_000})
        half = Ruling((refund_share("EUR", 5_000), refund_share("CRD", 5_000)), "Half the criteria are met.")
        await dispute.act(await dispute.arbitrator(), DisputeAction.RULE, ruling=half)
        # Once the appeal window (a second) ends, the deal executes the ruling; Stripe moves the
        # money and the worker hears only errors, so the workflow cannot record the movement.
        moved = await until_stripe_moved(sdk, deal.deal_id)
        assert moved["refunds"] or moved["transfers"], moved
        retrying = await until_retrying_cash(deal)
        assert retrying is not None and "Injected fault" in retrying.last_failure.message
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
        stripe_faults(settings, "DELETE")

    assert "ruling_executed" not in timeline_kinds(database_url, deal.deal_id)  # killed mid-execution
    assert all(status != "succeeded" for kind, _, status in ledger_movements(database_url, deal.deal_id)
               if kind != "charge")

    second = start_worker_process(settings, queue)
    try:
        assert await deal_stage(database_url, deal.deal_id, Stage.RATING, attempts=2_400) == "rating"
        await deal.act(deal.buyer, "review", review=GOOD)
        await deal.act(deal.seller, "review", review=GOOD)
        assert await deal_stage(database_url, deal.deal_id, Stage.CLOSED) == "closed"
    finally:
        second.terminate()
        second.wait(timeout=20)

    assert stripe_objects(sdk, deal.deal_id) == RULED
    assert [m for m in ledger_movements(database_url, deal.deal_id) if m[2] == "succeeded"] == [
        ("charge", 60_00, "succeeded"), ("payout", 26_00, "succeeded"), ("refund", 27_50, "succeeded")]
    assert timeline_kinds(database_url, deal.deal_id).count("ruling_executed") == 1
    assert balance(database_url, deal.buyer).posted == -22_50
    assert balance(database_url, deal.seller).posted == 16_50
    assert_ledger_invariants(database_url, deal.deal_id)
