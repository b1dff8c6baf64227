"""Cash and hybrid deals through the real worker, PostgreSQL and the local Stripe server over HTTP:
credits are held, the card charged, the seller paid out by a Connect transfer, refunds on
cancellation — and Stripe records exactly one of each, whatever fails on the way."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import requests
import stripe
from sqlalchemy import select

from domain.deal import Deal
from domain.money import Money, credits
from domain.terms import Leg, Role
from integrations.db.app_models import DealEvent
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import movement, movements_for_deal
from integrations.payouts import onboarding_url, refresh_payouts
from integrations.stripe import StripeGateway
from tests.workflows.driver import balance, credit_terms, open_deal
from tests.workflows.test_credit_deal import assert_ledger_invariants, refused

pytestmark = pytest.mark.usefixtures("deal_worker")


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


@pytest.fixture
def gateway(settings) -> StripeGateway:
    return StripeGateway(settings.stripe_secret_key, settings.stripe_api_base, timeout=10)


@pytest.fixture
def sdk(settings) -> stripe.StripeClient:
    return stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base},
                               max_network_retries=0)


@pytest.fixture
def faults(settings):
    url = f"{settings.stripe_api_base}/_config/faults"

    def inject(path_prefix: str, mode: str, status: int = 500, count: int = 1) -> None:
        requests.post(url, json={"path_prefix": path_prefix, "mode": mode, "status": status, "count": count},
                      timeout=5).raise_for_status()

    yield inject
    requests.delete(url, timeout=5).raise_for_status()


def onboard(database_url: str, gateway: StripeGateway, business_id: int) -> None:
    with unit_of_work(database_url) as session:
        url = onboarding_url(session, gateway, business_id, f"seller-{business_id}@example.test",
                             "http://127.0.0.1/done", "http://127.0.0.1/again")
    requests.get(url, allow_redirects=False, timeout=5).raise_for_status()  # the seller's browser
    with unit_of_work(database_url) as session:
        assert refresh_payouts(session, gateway, business_id)


async def hybrid_deal(client, database_url, gateway, cash_minor=60_00, credit_minor=40_00):
    terms = replace(credit_terms(now=dt.datetime.now(dt.UTC)),
                    legs=(Leg(Role.BUYER, eur(cash_minor)), Leg(Role.BUYER, credits(credit_minor))))
    deal = await open_deal(client, database_url, terms=terms)
    onboard(database_url, gateway, deal.seller)
    await deal.act(deal.seller, "accept")
    return deal


def stripe_objects(sdk: stripe.StripeClient, deal_id: str) -> dict[str, list]:
    group = f"deal-{deal_id}"
    intents = [pi for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
               if pi.transfer_group == group and pi.status == "succeeded"]
    refunds = [r for pi in intents for r in sdk.v1.refunds.list({"payment_intent": pi.id}).auto_paging_iter()]
    transfers = list(sdk.v1.transfers.list({"transfer_group": group}).auto_paging_iter())
    return {"charges": [pi.amount for pi in intents], "refunds": [r.amount for r in refunds],
            "transfers": [t.amount for t in transfers]}


def escrow(database_url: str, deal_id: str, currency: str) -> int:
    with unit_of_work(database_url) as session:
        return Ledger(session).escrow_balance(deal_id).get(currency, 0)


async def test_a_hybrid_deal_charges_the_card_and_pays_the_seller_out_less_the_fee(
        client, database_url, gateway, sdk):
    deal = await hybrid_deal(client, database_url, gateway)
    reply = await deal.act(deal.buyer, "fund")
    assert reply.stage == "in_delivery"
    assert balance(database_url, deal.buyer).pending_out == 40_00
    assert escrow(database_url, deal.deal_id, "EUR") == 60_00

    await deal.act(deal.seller, "deliver")
    await deal.act(deal.buyer, "confirm")

    assert stripe_objects(sdk, deal.deal_id) == {"charges": [60_00], "refunds": [], "transfers": [57_00]}
    assert balance(database_url, deal.seller).posted == 38_00  # 40 credits less the 2.00 fee
    with unit_of_work(database_url) as session:
        stored = {(m.kind, m.amount_minor, m.status) for m in movements_for_deal(session, deal.deal_id)}
    assert stored == {("charge", 60_00, "succeeded"), ("payout", 57_00, "succeeded")}
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


async def test_a_declined_card_leaves_the_deal_in_funding_until_another_card_pays(
        client, database_url, gateway, sdk):
    deal = await hybrid_deal(client, database_url, gateway)
    reason = await refused(deal, deal.buyer, "fund", payment_method="pm_card_chargeDeclined")
    assert "your card was declined" in reason
    state = await deal.handle.query("deal", result_type=Deal)
    assert state.stage == "funding" and state.funded_currencies == ("CRD",)
    assert escrow(database_url, deal.deal_id, "EUR") == 0

    reply = await deal.act(deal.buyer, "fund", payment_method="pm_card_visa")
    assert reply.stage == "in_delivery"
    assert stripe_objects(sdk, deal.deal_id)["charges"] == [60_00]


async def test_cancelling_a_funded_cash_deal_refunds_the_card_once(client, database_url, gateway, sdk):
    deal = await hybrid_deal(client, database_url, gateway)
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "cancel", note="We cannot do it after all")

    assert stripe_objects(sdk, deal.deal_id) == {"charges": [60_00], "refunds": [60_00], "transfers": []}
    assert balance(database_url, deal.buyer).pending_out == 0
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


@pytest.mark.parametrize("path, mode", [("/v1/payment_intents", "after"), ("/v1/transfers", "after"),
                                        ("/v1/transfers", "before")])
async def test_stripe_failing_mid_call_is_retried_and_moves_money_once(
        client, database_url, gateway, sdk, faults, path, mode):
    deal = await hybrid_deal(client, database_url, gateway)
    faults(path, mode=mode)
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    await deal.act(deal.buyer, "confirm")

    assert stripe_objects(sdk, deal.deal_id) == {"charges": [60_00], "refunds": [], "transfers": [57_00]}
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


async def test_a_payout_stripe_cannot_send_completes_the_deal_and_waits_for_finance(client, database_url, sdk):
    terms = replace(credit_terms(), legs=(Leg(Role.BUYER, eur(50_00)),))
    deal = await open_deal(client, database_url, terms=terms)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    await deal.act(deal.seller, "deliver")
    reply = await deal.act(deal.buyer, "confirm")

    assert reply.stage == "rating"  # the buyer accepted: the money is the seller's, sent or not
    with unit_of_work(database_url) as session:
        kinds = session.scalars(select(DealEvent.kind).where(DealEvent.deal_id == deal.deal_id)
                                .order_by(DealEvent.seq)).all()
    assert kinds[-2:] == ["completed", "payout_failed"]
    assert stripe_objects(sdk, deal.deal_id)["transfers"] == []
    with unit_of_work(database_url) as session:
        payout = movement(session, f"deal:{deal.deal_id}:release:EUR")
        assert (payout.status, payout.amount_minor) == ("failed", 47_50)
        assert "has not finished setting up Stripe payouts" in payout.failure
    assert escrow(database_url, deal.deal_id, "EUR") == 0
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)
