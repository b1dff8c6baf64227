"""Rulings: every minor unit held is accounted for, per currency and per bond, exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dispute_errors import RulingDoesNotMatchEscrow
from domain.errors import InvalidInput
from domain.money import MAX_AMOUNT_MINOR, credits
from domain.rulings import (
    BondDecision,
    BondRuling,
    Held,
    LegDecision,
    LegRuling,
    Ruling,
    loss_by_default,
    refund,
    refund_share,
    release,
    split,
)
from domain.terms import Leg, Role
from tests.domain.builders import a_deal
from tests.domain.dispute_builders import barter_deal, eur, hybrid_deal_in_inspection

HYBRID = Held((Leg(Role.BUYER, eur(60_00)), Leg(Role.BUYER, credits(40_00))))
BARTER = Held((Leg(Role.BUYER, credits(50_00)),), bond=credits(20_00), bonds_posted=(Role.BUYER, Role.SELLER))
BONDS_RETURNED = (BondRuling(Role.BUYER, BondDecision.RETURN), BondRuling(Role.SELLER, BondDecision.RETURN))


def ruling(*legs: LegRuling, bonds: tuple[BondRuling, ...] = ()) -> Ruling:
    return Ruling(legs, "The drafts did not meet the acceptance criteria.", bonds)


def test_what_is_held_is_read_from_the_deal_funded_legs_and_posted_bonds():
    assert Held.of(hybrid_deal_in_inspection()) == HYBRID
    assert Held.of(a_deal("inspection")) == Held((Leg(Role.BUYER, credits(100_00)),))
    assert Held.of(barter_deal()) == BARTER
    assert Held.of(barter_deal(balance=None, bond=None)) == Held()


def test_release_and_refund_move_whole_legs():
    allocations = ruling(release("EUR"), refund("CRD")).allocations(HYBRID)
    assert allocations == {"EUR": (eur(60_00), eur(0)), "CRD": (credits(0), credits(40_00))}
    to_payee, to_payer = allocations["EUR"]
    assert (to_payee, to_payer) == (eur(60_00), eur(0))


def test_refund_30_percent_of_the_cash_and_50_percent_of_the_credits():
    offer = ruling(refund_share("EUR", 3_000), refund_share("CRD", 5_000))
    assert offer.allocations(HYBRID) == {"EUR": (eur(42_00), eur(18_00)), "CRD": (credits(20_00), credits(20_00))}
    assert offer.describe(HYBRID) == ("42.00 EUR to the seller, 18.00 EUR back to the buyer; "
                                      "20.00 CRD to the seller, 20.00 CRD back to the buyer")


def test_an_even_split_of_an_odd_amount_gives_the_odd_cent_back_to_the_payer():
    held = Held((Leg(Role.BUYER, eur(1_01)),))
    assert ruling(refund_share("EUR", 5_000)).allocations(held) == {"EUR": (eur(50), eur(51))}
    assert ruling(refund_share("EUR", 3_333)).allocations(held) == {"EUR": (eur(67), eur(34))}  # 33.66 → 34


def test_a_split_by_amount_names_both_parts_and_they_must_add_up_to_what_is_held():
    assert ruling(split(eur(45_00), eur(15_00)), release("CRD")).allocations(HYBRID)["EUR"] == (eur(45_00), eur(15_00))
    with pytest.raises(RulingDoesNotMatchEscrow, match=r"pays 50\.00 EUR \+ 40\.00 EUR but 60\.00 EUR is held") as refused:
        ruling(split(eur(50_00), eur(40_00)), release("CRD")).validate(HYBRID)
    assert isinstance(refused.value, InvalidInput) and refused.value.field == "ruling"
    assert refused.value.code == "invalid_input"  # maps to 422 like any invalid input


@pytest.mark.parametrize(("legs", "message"), [
    ((release("EUR"),), "decide the CRD leg too"),
    ((release("EUR"), release("CRD"), refund("USD")), "nothing is held in USD"),
    ((release("EUR"), refund("EUR"), release("CRD")), "decide each currency once"),
    ((LegRuling("EUR", LegDecision.SPLIT_BY_AMOUNT, to_payee=eur(60_00)), release("CRD")), "names both parts"),
    ((split(eur(70_00), eur(-10_00)), release("CRD")), "neither negative"),
    ((LegRuling("EUR", LegDecision.SPLIT_BY_AMOUNT, to_payee=credits(30_00), to_payer=eur(30_00)), release("CRD")),
     "both parts are EUR"),
])
def test_a_ruling_that_does_not_match_the_escrow_is_refused(legs, message):
    with pytest.raises(RulingDoesNotMatchEscrow, match=message):
        ruling(*legs).validate(HYBRID)


@pytest.mark.parametrize("leg", [
    refund_share("EUR", 10_001), refund_share("EUR", -1), refund_share("EUR", 30.5),  # type: ignore[arg-type]
    refund_share("EUR", True),  # type: ignore[arg-type]
    LegRuling("EUR", LegDecision.RELEASE, refund_bps=3_000),
    LegRuling("EUR", LegDecision.REFUND, to_payee=eur(1), to_payer=eur(59_99)),
])
def test_a_malformed_leg_decision_is_refused(leg):
    with pytest.raises(InvalidInput, match="the EUR leg"):
        ruling(leg, release("CRD")).validate(HYBRID)


def test_zero_and_hundred_percent_splits_are_a_release_and_a_refund():
    held = Held((Leg(Role.BUYER, eur(60_00)),))
    assert ruling(refund_share("EUR", 0)).allocations(held) == ruling(release("EUR")).allocations(held)
    assert ruling(refund_share("EUR", 10_000)).allocations(held) == ruling(refund("EUR")).allocations(held)


@pytest.mark.parametrize("reasons", ["", "   \n", "x" * 10_001])
def test_written_reasons_are_required(reasons):
    with pytest.raises(InvalidInput) as refused:
        Ruling((release("EUR"), release("CRD")), reasons).validate(HYBRID)
    assert refused.value.field == "reasons"


def test_each_posted_bond_is_returned_or_forfeited_once():
    forfeit = (BondRuling(Role.BUYER, BondDecision.RETURN), BondRuling(Role.SELLER, BondDecision.FORFEIT))
    decided = ruling(refund("CRD"), bonds=forfeit).validate(BARTER)
    assert decided.forfeited_bonds() == (Role.SELLER,)
    assert decided.describe(BARTER) == ("50.00 CRD back to the buyer; the buyer's bond returned; "
                                        "the seller's bond forfeited to the buyer")
    for bonds in [(), BONDS_RETURNED[:1], BONDS_RETURNED + BONDS_RETURNED[:1]]:
        with pytest.raises(RulingDoesNotMatchEscrow, match="the buyer's and the seller's bond is held"):
            ruling(refund("CRD"), bonds=bonds).validate(BARTER)
    with pytest.raises(RulingDoesNotMatchEscrow, match="no bond is held"):
        ruling(release("EUR"), release("CRD"), bonds=BONDS_RETURNED).validate(HYBRID)


def test_what_each_side_ends_up_with_counts_its_share_and_the_bonds_it_keeps_or_wins():
    forfeit_seller = (BondRuling(Role.BUYER, BondDecision.RETURN), BondRuling(Role.SELLER, BondDecision.FORFEIT))
    decided = ruling(refund_share("CRD", 2_000), bonds=forfeit_seller)
    assert decided.received_by(Role.BUYER, BARTER) == {"CRD": 10_00 + 20_00 + 20_00}
    assert decided.received_by(Role.SELLER, BARTER) == {"CRD": 40_00}
    assert ruling(release("EUR"), refund("CRD")).received_by(Role.SELLER, HYBRID) == {"EUR": 60_00, "CRD": 0}


def test_a_silent_side_loses_by_default_every_leg_and_its_bond():
    against_seller = loss_by_default(BARTER, Role.SELLER, "The seller submitted no evidence.")
    assert against_seller.allocations(BARTER) == {"CRD": (credits(0), credits(50_00))}
    assert against_seller.forfeited_bonds() == (Role.SELLER,) and against_seller.default_loser is Role.SELLER
    against_buyer = loss_by_default(HYBRID, Role.BUYER, "The buyer submitted no evidence.")
    assert against_buyer.allocations(HYBRID) == {"EUR": (eur(60_00), eur(0)), "CRD": (credits(40_00), credits(0))}
    # The balancing payment may come from the seller: the payer's side is read per leg.
    seller_pays = Held((Leg(Role.SELLER, credits(30_00)),))
    assert loss_by_default(seller_pays, Role.BUYER, "x").allocations(seller_pays) == \
        {"CRD": (credits(0), credits(30_00))}


def test_nothing_held_still_needs_reasons_and_moves_nothing():
    assert Ruling((), "Both services were delivered as agreed.").allocations(Held()) == {}
    assert Ruling((), "x").describe(Held()) == "no money is held"


amounts = st.integers(min_value=1, max_value=MAX_AMOUNT_MINOR)


@given(amounts, st.integers(0, 10_000))
def test_a_split_by_percentage_always_sums_to_the_held_amount(held_minor, bps):
    held = Held((Leg(Role.BUYER, eur(held_minor)),))
    to_payee, to_payer = ruling(refund_share("EUR", bps)).allocations(held)["EUR"]
    assert to_payee + to_payer == eur(held_minor)
    assert to_payee.amount_minor >= 0 and to_payer.amount_minor >= 0
    # The refund is the exact share rounded to the nearest minor unit (half up).
    assert abs(to_payer.amount_minor * 10_000 - held_minor * bps) <= 5_000


@given(amounts, st.integers(0, MAX_AMOUNT_MINOR), st.integers(0, MAX_AMOUNT_MINOR))
def test_a_split_by_amount_is_accepted_exactly_when_it_adds_up(held_minor, to_payee, to_payer):
    held = Held((Leg(Role.BUYER, eur(held_minor)),))
    proposed = ruling(split(eur(to_payee), eur(to_payer)))
    if to_payee + to_payer == held_minor:
        assert sum(m.amount_minor for m in proposed.allocations(held)["EUR"]) == held_minor
    else:
        with pytest.raises(RulingDoesNotMatchEscrow):
            proposed.validate(held)


@given(amounts, amounts, st.sampled_from(list(LegDecision)), st.integers(0, 10_000), st.data())
def test_every_kind_of_ruling_on_a_hybrid_deal_accounts_for_both_legs_exactly(cash, credit, kind, bps, data):
    held = Held((Leg(Role.BUYER, eur(cash)), Leg(Role.BUYER, credits(credit))))
    refunded = data.draw(st.integers(0, cash))
    eur_leg = {LegDecision.RELEASE: release("EUR"), LegDecision.REFUND: refund("EUR"),
               LegDecision.SPLIT_BY_PERCENT: refund_share("EUR", bps),
               LegDecision.SPLIT_BY_AMOUNT: split(eur(cash - refunded), eur(refunded))}[kind]
    allocations = ruling(eur_leg, refund_share("CRD", bps)).allocations(held)
    assert sum(allocations["EUR"], eur(0)) == eur(cash)
    assert sum(allocations["CRD"], credits(0)) == credits(credit)
