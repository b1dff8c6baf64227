"""Cash and hybrid deals: credits are held first, cards charged after, and every cent of escrow
goes out exactly once, as a payout or a refund."""

from dataclasses import replace

import pytest

from domain.cash import CashKind, CashReceipt
from domain.deal import Deal, start_deal
from domain.errors import InvalidTransition
from domain.ledger import escrow_account, platform_fees_account, stripe_clearing_account
from domain.money import Money, credits
from domain.stages import Stage
from domain.terms import Leg, Role
from tests.domain.builders import BUYER, NOW, SELLER, terms


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def hybrid_deal(cash_minor: int = 60_00, credit_minor: int = 40_00) -> Deal:
    legs = (Leg(Role.BUYER, eur(cash_minor)), Leg(Role.BUYER, credits(credit_minor)))
    deal = start_deal("h1", BUYER, SELLER, BUYER, replace(terms(), legs=legs), NOW).deal
    return deal.accept(SELLER, NOW).deal


def paid(deal: Deal) -> Deal:
    (charge,) = deal.cash_owed(BUYER)
    receipt = CashReceipt(charge.key, CashKind.CHARGE, charge.amount, "pi_1", "ch_1")
    return deal.fund(BUYER, NOW).deal.fund(BUYER, NOW, (receipt,)).deal


def sums_to_zero(batch) -> bool:
    totals: dict[str, int] = {}
    for transfer in batch.transfers:
        for posting in transfer.postings:
            totals[posting.amount.currency] = totals.get(posting.amount.currency, 0) + posting.amount.amount_minor
    return not any(totals.values())


def test_credits_are_held_before_the_card_is_charged():
    deal = hybrid_deal()
    assert deal.credits_owed(BUYER)
    first = deal.fund(BUYER, NOW)
    assert [h.amount for h in first.step.ledger.holds] == [credits(40_00)]
    assert first.deal.stage is Stage.FUNDING and first.deal.funded_currencies == ("CRD",)
    (charge,) = first.deal.cash_owed(BUYER)
    assert (charge.kind, charge.key, charge.amount) == (CashKind.CHARGE, "deal:h1:fund:EUR", eur(60_00))


def test_a_charged_card_moves_cash_from_clearing_into_escrow_and_starts_delivery():
    deal = paid(hybrid_deal())
    assert deal.stage is Stage.IN_DELIVERY
    assert deal.cash_owed(BUYER) == () and not deal.credits_owed(BUYER)
    assert [r.stripe_id for r in deal.cash_receipts] == ["pi_1"]


def test_charging_before_the_credits_are_held_is_refused():
    deal = hybrid_deal()
    (charge,) = deal.cash_owed(BUYER)
    receipt = CashReceipt(charge.key, CashKind.CHARGE, charge.amount, "pi_1", "ch_1")
    with pytest.raises(InvalidTransition, match="credits are held before"):
        deal.fund(BUYER, NOW, (receipt,))


def test_release_pays_each_leg_less_its_fee_in_its_own_currency():
    deal = paid(hybrid_deal()).deliver(SELLER, NOW).deal
    step = deal.confirm(BUYER, NOW).step
    (payout,) = step.cash
    assert (payout.kind, payout.amount, payout.business_id, payout.payment_key) == (
        CashKind.PAYOUT, eur(57_00), SELLER, "deal:h1:fund:EUR")
    cash_release = next(t for t in step.ledger.transfers if t.transfer_id == "deal:h1:release:EUR")
    assert {p.account: p.amount for p in cash_release.postings} == {
        escrow_account("h1", "EUR"): eur(-60_00), stripe_clearing_account("EUR"): eur(57_00),
        platform_fees_account("EUR"): eur(3_00)}
    assert sums_to_zero(step.ledger)
    assert [p.hold_id for p in step.ledger.posts] == ["deal:h1:fund:CRD"]


def test_cancelling_a_funded_deal_refunds_the_card_and_voids_the_credits():
    deal = paid(hybrid_deal())
    step = deal.cancel(SELLER, NOW, "cannot do it after all").step
    (refund,) = step.cash
    assert (refund.kind, refund.key, refund.amount, refund.business_id) == (
        CashKind.REFUND, "deal:h1:refund:EUR", eur(60_00), BUYER)
    assert [v.hold_id for v in step.ledger.voids] == ["deal:h1:fund:CRD"]
    assert sums_to_zero(step.ledger)


def test_nothing_left_to_pay_is_refused():
    deal = paid(hybrid_deal())
    with pytest.raises(InvalidTransition):
        deal.fund(BUYER, NOW)
