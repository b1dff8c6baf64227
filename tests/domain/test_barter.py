"""Barter: both sides deliver, both inspect; the balancing payment and the bonds settle only when
both deliveries are accepted, and every bond comes back unless a ruling forfeits it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.deal import Deal, start_deal
from domain.errors import AlreadyDone, DeadlinePassed, InvalidInput, InvalidTransition
from domain.ledger import escrow_account, member_account
from domain.money import CREDITS, credits, eur
from domain.stages import Action, Stage
from domain.terms import DealTerms, ExchangeModel, Leg, Obligation, Role
from tests.domain.builders import BUYER, NOW, SELLER, terms

LATER = NOW + dt.timedelta(hours=1)


def barter_terms(balance: int | None = 50_00, bond: int | None = 20_00, payer: Role = Role.BUYER) -> DealTerms:
    return DealTerms(
        title="Flyers for a boiler repair",
        legs=(Leg(payer, credits(balance)),) if balance else (),
        obligations=(Obligation(Role.SELLER, "500 printed flyers", "Colours match the proof"),
                     Obligation(Role.BUYER, "Boiler repair", "Hot water for a week")),
        delivery_due_at=NOW + dt.timedelta(days=10), bond=credits(bond) if bond else None,
    )


def accepted(**kwargs) -> Deal:
    deal = start_deal("b1", BUYER, SELLER, BUYER, barter_terms(**kwargs), NOW).deal
    return deal.accept(SELLER, NOW).deal


def funded(**kwargs) -> Deal:
    deal = accepted(**kwargs)
    for side in (BUYER, SELLER):
        if deal.credits_owed(side):
            deal = deal.fund(side, NOW).deal
    return deal


def test_two_services_make_a_barter_deal_and_both_sides_start_with_nothing_delivered():
    deal = accepted()
    assert deal.terms.model is ExchangeModel.BARTER
    assert [h.status for h in deal.handovers] == ["to be delivered", "to be delivered"]
    assert deal.stage is Stage.FUNDING


def test_without_payment_or_bond_delivery_starts_at_acceptance():
    deal = accepted(balance=None, bond=None)
    assert deal.stage is Stage.IN_DELIVERY and deal.funding_due_at is None


def test_each_side_posts_its_bond_and_the_payer_its_balancing_payment():
    deal = accepted()
    buyer_side = deal.fund(BUYER, NOW)
    assert sorted(h.amount.amount_minor for h in buyer_side.step.ledger.holds) == [20_00, 50_00]
    assert buyer_side.deal.stage is Stage.FUNDING  # the seller's bond is still missing
    with pytest.raises(AlreadyDone):
        buyer_side.deal.check(Action.FUND, BUYER, NOW)
    seller_side = buyer_side.deal.fund(SELLER, NOW)
    (bond,) = seller_side.step.ledger.holds
    assert (bond.source, bond.destination, bond.amount) == (member_account(SELLER, CREDITS),
                                                            escrow_account("b1", CREDITS), credits(20_00))
    assert seller_side.deal.stage is Stage.IN_DELIVERY


def test_a_side_that_owes_nothing_is_not_offered_the_fund_action():
    deal = accepted(bond=None)
    assert Action.FUND in deal.allowed_actions(BUYER, NOW)
    assert Action.FUND not in deal.allowed_actions(SELLER, NOW)


def test_the_deal_completes_only_when_both_deliveries_are_confirmed():
    deal = funded()
    deal = deal.deliver(SELLER, NOW).deal
    assert deal.stage is Stage.IN_DELIVERY  # the buyer has not delivered yet
    assert Action.CONFIRM in deal.allowed_actions(BUYER, NOW)
    assert Action.CONFIRM not in deal.allowed_actions(SELLER, NOW)  # nothing delivered to the seller
    deal = deal.confirm(BUYER, NOW).deal
    assert deal.handover(Role.SELLER).status == "confirmed"
    deal = deal.deliver(BUYER, LATER).deal
    assert deal.stage is Stage.INSPECTION
    done = deal.confirm(SELLER, LATER)
    assert done.deal.stage is Stage.RATING
    batch = done.step.ledger
    assert {v.hold_id for v in batch.voids} == {"deal:b1:bond-buyer:CRD", "deal:b1:bond-seller:CRD"}
    (payment,) = batch.transfers
    by_account = {p.account: p.amount for p in payment.postings}
    assert by_account[member_account(SELLER, CREDITS)] == credits(50_00 - 2_50)  # less the fee
    assert "bonds of 20.00 CRD returned" in done.step.summary


def test_a_side_cannot_deliver_twice_or_confirm_its_own_delivery():
    deal = funded().deliver(SELLER, NOW).deal
    with pytest.raises(AlreadyDone):
        deal.deliver(SELLER, NOW)
    with pytest.raises(InvalidTransition):
        deal.confirm(SELLER, NOW)


def test_changes_requested_send_that_side_back_to_delivering():
    deal = funded().deliver(SELLER, NOW).deal.deliver(BUYER, NOW).deal
    assert deal.stage is Stage.INSPECTION
    with pytest.raises(InvalidInput):
        deal.request_changes(BUYER, NOW, "")
    deal = deal.request_changes(BUYER, NOW, "The flyers are blurred").deal
    assert deal.stage is Stage.IN_DELIVERY
    assert deal.handover(Role.SELLER).status == "to be delivered"
    assert deal.handover(Role.BUYER).status == "delivered, being inspected"


def test_silence_accepts_each_delivery_at_the_end_of_its_own_window():
    deal = funded().deliver(SELLER, NOW).deal
    deal = deal.deliver(BUYER, LATER).deal
    assert set(deal.deadlines()) >= {"inspection of the seller's delivery ends",
                                     "inspection of the buyer's delivery ends"}
    first_end = NOW + dt.timedelta(days=7)
    while (outcome := deal.on_clock(first_end)) is not None:
        deal = outcome.deal
    assert deal.handover(Role.SELLER).status == "confirmed"
    assert deal.handover(Role.BUYER).status == "delivered, being inspected"
    while (outcome := deal.on_clock(LATER + dt.timedelta(days=7))) is not None:
        deal = outcome.deal
    assert deal.stage is Stage.RATING


def test_cancelling_returns_the_bonds_and_the_payment_but_not_once_a_delivery_is_accepted():
    deal = funded()
    overdue = deal.terms.delivery_due_at + dt.timedelta(minutes=1)
    with pytest.raises(DeadlinePassed):
        deal.cancel(SELLER, NOW)
    cancelled = deal.cancel(SELLER, overdue)
    assert len(cancelled.step.ledger.voids) == 3  # the balancing payment and both bonds
    accepted_one = deal.deliver(SELLER, NOW).deal.confirm(BUYER, NOW).deal
    with pytest.raises(InvalidTransition):
        accepted_one.cancel(BUYER, overdue)


@pytest.mark.parametrize("change, field", [
    ({"obligations": (Obligation(Role.SELLER, "Flyers"), Obligation(Role.SELLER, "Posters"))}, "obligations"),
    ({"obligations": (Obligation(Role.SELLER, "Flyers"), Obligation(Role.BUYER, " "))}, "barter"),
    ({"bond": credits(-5)}, "bond"),
    ({"legs": (Leg(Role.BUYER, credits(10_00)), Leg(Role.SELLER, eur(10_00)))}, "price"),
])
def test_malformed_barter_terms_are_refused_with_the_field(change, field):
    with pytest.raises(InvalidInput) as refused:
        start_deal("b2", BUYER, SELLER, BUYER, replace(barter_terms(), **change), NOW)
    assert refused.value.field == field


def test_a_bond_is_only_for_barter():
    with pytest.raises(InvalidInput) as refused:
        start_deal("c1", BUYER, SELLER, BUYER, replace(terms(), bond=credits(10_00)), NOW)
    assert refused.value.field == "bond"

