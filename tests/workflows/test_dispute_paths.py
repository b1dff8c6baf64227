"""Every dispute path on Temporal's time-skipping test server (days pass in milliseconds), with
the real activities: PostgreSQL for the ledger and read model, the local Stripe server for cash.
Each path ends with the ledger invariants checked and each side holding exactly what was ruled."""

from __future__ import annotations

import datetime as dt
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
import stripe
from sqlalchemy import select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.cash import CashSteps
from activities.deal_steps import DealSteps
from activities.dispute_steps import DisputeSteps
from domain.dispute_stages import DisputeAction as A
from domain.dispute_stages import DisputeStage
from domain.money import Money, credits
from domain.rulings import BondDecision, BondRuling, Ruling, refund, refund_share, release
from domain.stages import Stage
from domain.terms import DealTerms, Leg, Obligation, Role
from integrations.db.reputation_models import CreditLineReview, ReputationRow
from integrations.db.session import unit_of_work
from integrations.db.verification_read_model import mark_verified
from integrations.stripe import StripeGateway
from tests.workflows.dispute_driver import (
    DisputeDriver,
    an_arbitrator,
    assert_ledger_invariants,
    deal_stage,
    recorded_outcome,
)
from tests.workflows.driver import balance, credit_terms, open_deal, timeline_kinds
from tests.workflows.test_cash_deal import onboard, stripe_objects
from workflows.deal import DealWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.worker import WORKFLOW_RUNNER

QUEUE = "dispute-paths"
DAY = timedelta(days=1)


@pytest_asyncio.fixture(scope="module")
async def env(database_url, settings):
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(server))
    await env.client.operator_service.add_search_attributes(AddSearchAttributesRequest(
        namespace="default", search_attributes={"DealStage": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD}))
    disputes = DisputeSteps(database_url)
    cash = CashSteps(database_url, StripeGateway.from_settings(settings))
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with Worker(env.client, task_queue=QUEUE, workflows=[DealWorkflow, DisputeWorkflow],
                          workflow_runner=WORKFLOW_RUNNER, activity_executor=executor,
                          activities=[DealSteps(database_url).record_step, cash.move_cash, disputes.record_step,
                                      disputes.load_arbitrators]):
            yield env
    await env.shutdown()


@pytest.fixture(scope="module")
def arbitrators(database_url):
    """Two arbitrators and two senior ones, so a case can be reassigned and an appeal heard."""
    return [an_arbitrator(database_url), an_arbitrator(database_url),
            an_arbitrator(database_url, senior=True), an_arbitrator(database_url, senior=True)]


async def disputed_credit_deal(env, database_url, price_minor=100_00):
    """A 100.00 CRD deal, delivered, disputed by the buyer."""
    now = await env.get_current_time()
    deal = await open_deal(env.client, database_url, task_queue=QUEUE, terms=credit_terms(price_minor, now=now))
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    dispute = DisputeDriver(env.client, deal)
    await dispute.open(deal.buyer)
    return deal, dispute


def ruled(*legs, reasons="The drafts miss two of the three criteria.") -> Ruling:
    return Ruling(tuple(legs), reasons)


async def to_awaiting_ruling(env, deal, dispute):
    await env.sleep(5 * DAY + timedelta(minutes=1))  # settlement talks end without agreement
    await dispute.act(deal.buyer, A.SUBMIT_EVIDENCE, statement="The logo is blurry at small sizes")
    await dispute.act(deal.seller, A.SUBMIT_EVIDENCE, statement="All three drafts were delivered")
    await env.sleep(7 * DAY + timedelta(minutes=1))  # evidence closes
    assert (await dispute.state()).stage is DisputeStage.AWAITING_RULING


async def test_a_settlement_offer_accepted_ends_the_dispute_and_is_executed(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    assert await deal_stage(database_url, deal.deal_id, Stage.DISPUTED) == "disputed"

    await dispute.act(deal.seller, A.OFFER_SETTLEMENT, ruling=ruled(refund_share("CRD", 3_000), reasons="30 % back"))
    await dispute.act(deal.buyer, A.ACCEPT_SETTLEMENT, offer_number=1)

    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    # 30.00 back to the buyer; 70.00 to the seller less the 5 % commission (3.50); no dispute fee.
    assert balance(database_url, deal.buyer).posted == -70_00
    assert balance(database_url, deal.seller).posted == 66_50
    assert_ledger_invariants(database_url, deal.deal_id)
    kinds = timeline_kinds(database_url, deal.deal_id)
    assert kinds[-2:] == ["dispute_opened", "ruling_executed"]


async def refused(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await call
    return caught.value.cause.message


async def rule(env, dispute, ruling) -> None:
    arbitrator = await dispute.arbitrator()
    await dispute.act(arbitrator, A.RULE, ruling=ruling)


async def ruled_and_final(env, database_url, deal, dispute, ruling) -> None:
    await to_awaiting_ruling(env, deal, dispute)
    await rule(env, dispute, ruling)
    await env.sleep(3 * DAY + timedelta(minutes=1))  # nobody appeals
    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    assert (await dispute.state()).stage is DisputeStage.FINAL


async def test_ruled_for_the_buyer_refunds_everything_and_the_seller_pays_the_fee(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    await ruled_and_final(env, database_url, deal, dispute, ruled(refund("CRD")))

    assert balance(database_url, deal.buyer).posted == 0
    assert balance(database_url, deal.seller).posted == -5_00  # the minimum dispute fee, from its account
    assert_ledger_invariants(database_url, deal.deal_id)
    assert recorded_outcome(database_url, deal.deal_id) == "lost_by_seller"  # for reputation
    assert timeline_kinds(database_url, deal.deal_id)[-2:] == ["ruling_executed", "dispute_fee_charged"]


async def test_ruled_for_the_seller_releases_everything_and_the_buyer_pays_the_fee(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    await ruled_and_final(env, database_url, deal, dispute, ruled(release("CRD")))

    assert balance(database_url, deal.buyer).posted == -105_00
    assert balance(database_url, deal.seller).posted == 95_00  # less the 5 % commission
    assert_ledger_invariants(database_url, deal.deal_id)


async def test_a_split_divides_the_leg_and_the_fee_in_the_same_proportion(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    await ruled_and_final(env, database_url, deal, dispute, ruled(refund_share("CRD", 4_000)))

    # 40.00 back less 60 % of the 5.00 fee; 60.00 to the seller less 3.00 commission and 40 % of the fee.
    assert balance(database_url, deal.buyer).posted == -63_00
    assert balance(database_url, deal.seller).posted == 55_00
    assert_ledger_invariants(database_url, deal.deal_id)


async def test_a_silent_side_loses_by_default(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    await env.sleep(5 * DAY + timedelta(minutes=1))
    await dispute.act(deal.buyer, A.SUBMIT_EVIDENCE, statement="Nothing usable was delivered")
    await env.sleep(7 * DAY + timedelta(minutes=1))
    state = await dispute.state()
    assert state.stage is DisputeStage.RULED and state.ruling.default_loser.value == "seller"

    await env.sleep(3 * DAY + timedelta(minutes=1))
    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    assert balance(database_url, deal.buyer).posted == 0
    assert balance(database_url, deal.seller).posted == -5_00
    assert_ledger_invariants(database_url, deal.deal_id)


async def appealed(env, deal, dispute, first: Ruling) -> int:
    await to_awaiting_ruling(env, deal, dispute)
    first_arbitrator = await dispute.arbitrator()
    await dispute.act(first_arbitrator, A.RULE, ruling=first)
    await dispute.act(deal.buyer, A.APPEAL)
    senior = await dispute.arbitrator()
    assert senior != first_arbitrator and senior in (arbitrator for arbitrator in await senior_ids(dispute))
    return senior


async def senior_ids(dispute) -> list[int]:
    return [a.arbitrator_id for a in (await dispute.state()).assignments if a.for_appeal and a.is_senior]


async def test_an_appeal_upheld_keeps_the_appeal_fee(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    senior = await appealed(env, deal, dispute, ruled(release("CRD")))
    await dispute.act(senior, A.RULE, ruling=ruled(release("CRD"), reasons="The first ruling stands."))

    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    state = await dispute.state()
    assert state.stage is DisputeStage.FINAL and state.appeal.succeeded is False
    # The escrow to the seller; the buyer pays the dispute fee (5.00) and keeps paying its appeal fee (5.00).
    assert balance(database_url, deal.buyer).posted == -110_00
    assert balance(database_url, deal.seller).posted == 95_00
    assert_ledger_invariants(database_url, deal.deal_id)


async def test_an_appeal_that_reverses_the_ruling_costs_the_appellant_nothing(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    senior = await appealed(env, deal, dispute, ruled(release("CRD")))
    await dispute.act(senior, A.RULE, ruling=ruled(refund("CRD"), reasons="Criteria 2 and 3 are not met."))

    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    assert (await dispute.state()).appeal.succeeded is True
    assert balance(database_url, deal.buyer).posted == 0
    assert balance(database_url, deal.seller).posted == -5_00
    assert_ledger_invariants(database_url, deal.deal_id)


async def test_no_ruling_within_the_sla_reassigns_the_case_and_tells_the_operators(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    await to_awaiting_ruling(env, deal, dispute)
    slow = await dispute.arbitrator()

    await env.sleep(5 * DAY + timedelta(minutes=1))
    fresh = await dispute.arbitrator()
    assert fresh != slow
    reason = await refused(dispute.act(slow, A.RULE, ruling=ruled(refund("CRD"))))
    assert "taken off this case" in reason
    assert operator_alerts(database_url, deal.deal_id) >= 1

    await dispute.act(fresh, A.RULE, ruling=ruled(refund_share("CRD", 5_000)))
    await env.sleep(3 * DAY + timedelta(minutes=1))
    assert await deal_stage(database_url, deal.deal_id, Stage.RATING) == "rating"
    assert balance(database_url, deal.buyer).posted == -52_50
    assert balance(database_url, deal.seller).posted == 45_00
    assert_ledger_invariants(database_url, deal.deal_id)


def operator_alerts(database_url: str, deal_id: str) -> int:
    from sqlalchemy import func, select

    from integrations.db.dispute_models import StaffAlertRow
    from integrations.db.session import unit_of_work

    with unit_of_work(database_url) as session:
        return session.scalar(select(func.count()).where(StaffAlertRow.deal_id == deal_id,
                                                         StaffAlertRow.user_id.is_(None),
                                                         StaffAlertRow.kind == "reassign"))


# ---- refusals -----------------------------------------------------------------------------------
async def test_a_dispute_is_refused_to_a_non_party_twice_in_the_wrong_stage_and_after_the_window(
        env, database_url, arbitrators):
    now = await env.get_current_time()
    deal = await open_deal(env.client, database_url, task_queue=QUEUE, terms=credit_terms(now=now))
    dispute = DisputeDriver(env.client, deal)
    await deal.act(deal.seller, "accept")
    assert "while a delivery is being inspected; this deal is funding" in await refused(dispute.open(deal.buyer))
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    assert "only the two parties" in await refused(dispute.open(deal.buyer + deal.seller + 10_000))

    await dispute.open(deal.seller, reason="other", details="The buyer will not confirm", asked_for="Payment")
    assert "already disputed" in await refused(dispute.open(deal.buyer))
    assert "disputed" in await refused(deal.act(deal.buyer, "confirm"))  # reviews and actions frozen

    late = await open_deal(env.client, database_url, task_queue=QUEUE, terms=credit_terms(now=now))
    await late.act(late.seller, "accept")
    await late.act(late.buyer, "fund")
    await late.act(late.seller, "deliver")
    await env.sleep(7 * DAY + timedelta(minutes=1))
    assert "inspection window closed" in await refused(DisputeDriver(env.client, late).open(late.buyer))


async def test_only_the_assigned_arbitrator_may_rule(env, database_url, arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    await to_awaiting_ruling(env, deal, dispute)
    assigned = await dispute.arbitrator()
    other = next(a for a in arbitrators if a != assigned)

    assert "only the arbitrator assigned" in await refused(dispute.act(other, A.RULE, ruling=ruled(refund("CRD"))))
    assert "only the arbitrator assigned" in await refused(dispute.act(deal.buyer, A.RULE,
                                                                       ruling=ruled(refund("CRD"))))
    assert "decide the CRD leg" in await refused(dispute.act(assigned, A.RULE, ruling=ruled()))
    assert (await dispute.state()).stage is DisputeStage.AWAITING_RULING


# ---- cash and barter ----------------------------------------------------------------------------
async def test_a_split_of_a_hybrid_deal_moves_exactly_the_ruled_cash_through_stripe(
        env, database_url, settings, arbitrators):
    gateway = StripeGateway.from_settings(settings)
    now = await env.get_current_time()
    terms = replace(credit_terms(now=now), legs=(Leg(Role.BUYER, Money(60_00, "EUR")), Leg(Role.BUYER, credits(40_00))))
    deal = await open_deal(env.client, database_url, task_queue=QUEUE, terms=terms)
    onboard(database_url, gateway, deal.seller)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    dispute = DisputeDriver(env.client, deal)
    await dispute.open(deal.buyer)

    half = ruled(refund_share("EUR", 5_000), refund_share("CRD", 5_000))
    await ruled_and_final(env, database_url, deal, dispute, half)

    # EUR: 30.00 each way; the seller's half less 1.50 commission and 2.50 of the 5.00 fee, the
    # buyer's less the other 2.50. CRD likewise: 20.00 each way, 1.00 commission, 2.50 fee each.
    sdk = stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base})
    assert stripe_objects(sdk, deal.deal_id) == {"charges": [60_00], "refunds": [27_50], "transfers": [26_00]}
    assert balance(database_url, deal.buyer).posted == -22_50
    assert balance(database_url, deal.seller).posted == 16_50
    assert_ledger_invariants(database_url, deal.deal_id)


async def test_a_barter_ruling_forfeits_the_bond_of_the_side_that_failed(env, database_url, arbitrators):
    now = await env.get_current_time()
    terms = DealTerms(
        title="Flyers for a boiler repair", legs=(),
        obligations=(Obligation(Role.SELLER, "500 printed flyers", "Colours match the proof"),
                     Obligation(Role.BUYER, "Boiler repair", "Hot water for a week")),
        delivery_due_at=now + 10 * DAY, bond=credits(20_00))
    deal = await open_deal(env.client, database_url, task_queue=QUEUE, terms=terms)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "fund")
    await deal.act(deal.seller, "deliver")
    dispute = DisputeDriver(env.client, deal)
    await dispute.open(deal.buyer, details="The flyers are the wrong colours", asked_for="The seller's bond")

    forfeit = Ruling((), "The proof was not followed.", (BondRuling(Role.BUYER, BondDecision.RETURN),
                                                        BondRuling(Role.SELLER, BondDecision.FORFEIT)))
    await ruled_and_final(env, database_url, deal, dispute, forfeit)

    assert balance(database_url, deal.buyer).posted == 20_00
    assert balance(database_url, deal.seller).posted == -20_00
    assert balance(database_url, deal.buyer).pending_out == 0
    assert_ledger_invariants(database_url, deal.deal_id)


async def test_a_lost_dispute_counts_against_the_loser_once_the_ruling_and_its_fee_are_done(env, database_url,
                                                                                           arbitrators):
    deal, dispute = await disputed_credit_deal(env, database_url)
    with unit_of_work(database_url) as session:
        mark_verified(session, deal.seller, dt.datetime.now(dt.UTC), "verified for this test")
    await ruled_and_final(env, database_url, deal, dispute, ruled(refund("CRD")))
    assert timeline_kinds(database_url, deal.deal_id)[-2:] == ["ruling_executed", "dispute_fee_charged"]

    with unit_of_work(database_url) as session:
        loser, winner = session.get(ReputationRow, deal.seller), session.get(ReputationRow, deal.buyer)
        assert (loser.lost_disputes, winner.won_disputes, loser.completed_deals) == (1, 1, 0)
        assert loser.score < winner.score
        review = session.scalars(select(CreditLineReview).where(CreditLineReview.business_id == deal.seller)
                                 .order_by(CreditLineReview.id.desc())).first()
        assert review.reasons[-1] == "-200.00 for 1 dispute lost in the last 365 days"
    # 500.00 at verification less 200.00 for the lost dispute; the 5.00 fee it owes stays covered
    assert balance(database_url, deal.seller).credit_limit == 300_00
