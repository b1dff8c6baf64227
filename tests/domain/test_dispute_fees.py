"""What a dispute costs: in proportion to the deal, paid by whoever the ruling goes against."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dispute_fees import AppealFeeRule, DisputeFeeRule, FeeCharge, appeal_succeeded
from domain.errors import InvalidInput
from domain.money import MAX_AMOUNT_MINOR, Money, credits
from domain.rulings import BondDecision, BondRuling, Held, Ruling, refund, refund_share, release, split
from domain.terms import Leg, Role
from tests.domain.dispute_builders import eur

RULE = DisputeFeeRule(basis_points=300, minimum_minor=5_00, cap_minor=150_00)
HYBRID = Held((Leg(Role.BUYER, eur(600_00)), Leg(Role.BUYER, credits(400_00))))
BARTER = Held((Leg(Role.BUYER, credits(50_00)),), bond=credits(20_00), bonds_posted=(Role.BUYER, Role.SELLER))
BONDS_ONLY = Held(bond=credits(20_00), bonds_posted=(Role.BUYER, Role.SELLER))
RETURN_BOTH = (BondRuling(Role.BUYER, BondDecision.RETURN), BondRuling(Role.SELLER, BondDecision.RETURN))
FORFEIT_SELLER = (BondRuling(Role.BUYER, BondDecision.RETURN), BondRuling(Role.SELLER, BondDecision.FORFEIT))


def eur_only(minor: int) -> Held:
    return Held((Leg(Role.BUYER, eur(minor)),))


def ruled(*legs, bonds=()) -> Ruling:
    return Ruling(legs, "As decided.", bonds)


def test_the_dispute_fee_is_a_percentage_with_a_minimum_and_a_cap_never_more_than_the_amount():
    assert RULE.fee_for(eur(1_000_00)) == eur(30_00)  # 3 %
    assert RULE.fee_for(eur(50_00)) == eur(5_00)  # the minimum
    assert RULE.fee_for(eur(100_000_00)) == eur(150_00)  # the cap
    assert RULE.fee_for(eur(3_00)) == eur(3_00)  # never more than what is disputed
    assert RULE.fee_for(credits(1_000_00)) == credits(30_00)  # in the leg's own currency


def test_the_losing_side_pays_the_whole_fee():
    held = eur_only(1_000_00)
    assert RULE.charges(held, ruled(refund("EUR"))) == (FeeCharge(Role.SELLER, eur(30_00)),)
    assert RULE.charges(held, ruled(release("EUR"))) == (FeeCharge(Role.BUYER, eur(30_00)),)


def test_on_a_split_both_sides_pay_in_the_proportion_of_the_split():
    held = eur_only(1_000_00)
    # 30 % refunded: the buyer lost 70 %, the seller 30 %.
    assert RULE.charges(held, ruled(refund_share("EUR", 3_000))) == (
        FeeCharge(Role.BUYER, eur(21_00)), FeeCharge(Role.SELLER, eur(9_00)))
    assert RULE.charges(held, ruled(split(eur(250_00), eur(750_00)))) == (
        FeeCharge(Role.BUYER, eur(7_50)), FeeCharge(Role.SELLER, eur(22_50)))


def test_each_currency_of_a_hybrid_deal_carries_its_own_fee():
    charges = RULE.charges(HYBRID, ruled(refund("EUR"), refund_share("CRD", 5_000)))
    assert charges == (FeeCharge(Role.SELLER, eur(18_00)),
                       FeeCharge(Role.BUYER, credits(6_00)), FeeCharge(Role.SELLER, credits(6_00)))


def test_bonds_carry_no_fee_a_forfeited_bond_is_already_the_penalty():
    assert RULE.charges(BARTER, ruled(refund("CRD"), bonds=FORFEIT_SELLER)) == (
        FeeCharge(Role.SELLER, credits(5_00)),)
    assert RULE.charges(BONDS_ONLY, ruled(bonds=FORFEIT_SELLER)) == ()


@pytest.mark.parametrize(("values", "field"), [
    (dict(basis_points=10_001), "basis_points"),
    (dict(basis_points=-1), "basis_points"),
    (dict(minimum_minor=200_00, cap_minor=100_00), "minimum_minor"),
    (dict(cap_minor=1.5), "cap_minor"),
])
def test_a_fee_rule_outside_sense_is_refused(values, field):
    with pytest.raises(InvalidInput) as refused:
        DisputeFeeRule(**values)
    assert refused.value.field == field


def test_the_appeal_fee_is_capped_at_a_percentage_of_the_deal():
    rule = AppealFeeRule(amount_minor=25_00, cap_bps=500)
    assert rule.fee_for(eur_only(2_000_00)) == (eur(25_00),)
    assert rule.fee_for(eur_only(100_00)) == (eur(5_00),)  # 5 % of a small deal
    assert rule.fee_for(eur_only(1_99)) == (eur(9),)  # rounded down: never above 5 %
    assert rule.fee_for(HYBRID) == (eur(25_00), credits(20_00))
    assert rule.fee_for(BONDS_ONLY) == (credits(2_00),)  # a barter deal is valued by its bonds
    assert rule.fee_for(Held()) == ()
    with pytest.raises(InvalidInput):
        AppealFeeRule(cap_bps=20_000)


def test_an_appeal_succeeds_when_the_appellant_gains_something_and_loses_nothing():
    first = ruled(refund_share("EUR", 3_000), refund("CRD"))
    better_for_seller = ruled(release("EUR"), refund("CRD"))
    mixed = ruled(release("EUR"), refund_share("CRD", 9_000))
    assert appeal_succeeded(Role.SELLER, first, better_for_seller, HYBRID)
    assert not appeal_succeeded(Role.BUYER, first, better_for_seller, HYBRID)
    assert not appeal_succeeded(Role.SELLER, first, first, HYBRID)  # upheld: the fee is kept
    assert appeal_succeeded(Role.SELLER, first, mixed, HYBRID)  # more cash, more credits
    assert not appeal_succeeded(Role.BUYER, first, mixed, HYBRID)


def test_getting_a_forfeited_bond_back_is_a_successful_appeal():
    first = ruled(refund("CRD"), bonds=FORFEIT_SELLER)
    assert appeal_succeeded(Role.SELLER, first, ruled(refund("CRD"), bonds=RETURN_BOTH), BARTER)
    assert not appeal_succeeded(Role.BUYER, first, ruled(refund("CRD"), bonds=RETURN_BOTH), BARTER)


amounts = st.integers(min_value=1, max_value=MAX_AMOUNT_MINOR)
rules = st.builds(lambda bps, low, extra: DisputeFeeRule(bps, low, low + extra),
                  st.integers(0, 10_000), st.integers(0, 1_000_00), st.integers(0, 10_000_00))


@given(rules, amounts)
def test_the_fee_stays_within_minimum_cap_and_the_disputed_amount(rule, amount):
    fee = rule.fee_for(eur(amount)).amount_minor
    assert min(rule.minimum_minor, amount) <= fee <= min(rule.cap_minor, amount)


@given(rules, amounts, st.integers(0, 10_000))
def test_the_sides_shares_of_the_fee_always_add_up_to_the_fee(rule, amount, bps):
    held = eur_only(amount)
    charges = rule.charges(held, ruled(refund_share("EUR", bps)))
    assert sum((c.amount for c in charges), eur(0)) == rule.fee_for(eur(amount))
    assert all(c.amount.is_positive for c in charges)
    assert len({c.side for c in charges}) == len(charges)


@given(st.integers(0, 1_000_00), st.integers(0, 10_000), amounts)
def test_the_appeal_fee_never_exceeds_its_amount_or_its_share_of_the_deal(flat, cap_bps, amount):
    (fee,) = AppealFeeRule(flat, cap_bps).fee_for(eur_only(amount)) or (Money(0, "EUR"),)
    assert fee.amount_minor <= flat
    assert fee.amount_minor * 10_000 <= amount * cap_bps
