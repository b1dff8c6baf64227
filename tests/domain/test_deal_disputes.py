"""The deal's side of a dispute: it stops while disputed, and executes a ruling exactly — every
minor unit held leaves escrow, to a side or as a fee, and every transfer balances."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.dispute_fees import FeeCharge
from domain.dispute_policy import DisputePolicy
from domain.errors import InvalidInput, InvalidTransition
from domain.ledger import escrow_account, member_account, platform_fees_account, stripe_clearing_account
from domain.money import credits
from domain.ruling_execution import ruling_moves
from domain.rulings import BondDecision, BondRuling, Held, Ruling, refund, refund_share, release
from domain.stages import Stage
from domain.terms import Role
from tests.domain.builders import BUYER, NOW, SELLER, a_deal
from tests.domain.dispute_builders import (
    ADA,
    DAY,
    barter_deal,
    chosen,
    eur,
    hybrid_deal_in_inspection,
    run_clock,
)

OPENED = NOW + DAY


def disputed(deal=None):
    deal = deal or a_deal("inspection")
    outcome, opened = deal.open_dispute(BUYER, "not_as_described", "Blurry", "A refund", OPENED)
    return outcome.deal, opened.dispute


def net(batch, account: str) -> int:
    return sum(p.amount.amount_minor for t in batch.transfers for p in t.postings if p.account == account)


def test_a_disputed_deal_takes_no_action_and_runs_no_timer():
    deal, dispute = disputed()
    assert deal.stage is Stage.DISPUTED and deal.disputed_from is Stage.INSPECTION
    assert dispute.held == Held.of(a_deal("inspection"))
    assert deal.next_alarm_at() is None and deal.on_clock(NOW + 30 * DAY) is None
    assert deal.allowed_actions(BUYER, OPENED) == ()
    with pytest.raises(InvalidTransition, match="while the deal is disputed"):
        deal.confirm(BUYER, OPENED)


def test_a_barter_deal_under_dispute_does_not_auto_accept_either_delivery():
    deal, _ = disputed(barter_deal())
    assert deal.next_alarm_at() is None


def test_a_withdrawn_dispute_gives_the_inspection_window_back_its_lost_time():
    deal, _ = disputed()
    before = a_deal("inspection").inspection_ends_at
    resumed = deal.dispute_withdrawn(OPENED + 2 * DAY, "The buyer withdrew the dispute").deal
    assert resumed.stage is Stage.INSPECTION and resumed.inspection_ends_at == before + 2 * DAY


def test_a_split_pays_each_side_its_part_less_commission_and_its_share_of_the_fee():
    deal, _ = disputed()
    charges = (FeeCharge(Role.BUYER, credits(3_00)), FeeCharge(Role.SELLER, credits(2_00)))
    moves = ruling_moves(deal, Ruling((refund_share("CRD", 4_000),), "Split"), charges)
    assert net(moves.ledger, member_account(BUYER, "CRD")) == 37_00
    assert net(moves.ledger, member_account(SELLER, "CRD")) == 55_00
    assert net(moves.ledger, platform_fees_account("CRD")) == 8_00  # 3.00 commission + 5.00 dispute fee
    assert net(moves.ledger, escrow_account("d1", "CRD")) == -100_00
    assert moves.cash == () and moves.from_account == () and moves.waived == ()


def test_a_fee_the_losers_part_cannot_cover_is_charged_to_its_credit_account_in_a_step_of_its_own():
    deal, _ = disputed()
    outcome = deal.execute_ruling(Ruling((refund("CRD"),), "Refund"), (FeeCharge(Role.SELLER, credits(5_00)),),
                                  OPENED + 20 * DAY, "Final ruling executed")
    assert outcome.deal.stage is Stage.RATING and outcome.deal.fees_due == (FeeCharge(Role.SELLER, credits(5_00)),)
    assert "to be charged to the credit account: 5.00 CRD of the seller's" in outcome.step.summary
    charged = outcome.deal.collect_dispute_fees(OPENED + 20 * DAY)
    assert net(charged.step.ledger, member_account(SELLER, "CRD")) == -5_00
    assert charged.deal.fees_due == ()


def test_cash_goes_back_by_refund_and_out_by_transfer_and_an_uncoverable_cash_fee_is_waived():
    deal, _ = disputed(hybrid_deal_in_inspection())
    ruling = Ruling((release("EUR"), refund("CRD")), "Cash to the seller, credits back")
    moves = ruling_moves(deal, ruling, (FeeCharge(Role.BUYER, eur(5_00)), FeeCharge(Role.SELLER, credits(5_00))))
    assert [(m.kind.value, m.amount.amount_minor, m.key) for m in moves.cash] == [
        ("payout", 57_00, "deal:h1:ruling-release:EUR")]  # 60.00 less the 3.00 commission
    assert net(moves.ledger, stripe_clearing_account("EUR")) == 57_00
    assert moves.from_account == (FeeCharge(Role.SELLER, credits(5_00)),)  # its credits went back to the buyer
    assert moves.waived == (FeeCharge(Role.BUYER, eur(5_00)),)  # no cash of the buyer's is left to take it from


def test_a_forfeited_bond_goes_to_the_other_side_and_a_returned_one_is_released():
    deal, _ = disputed(barter_deal())
    ruling = Ruling((refund("CRD"),), "The flyers were not delivered",
                    (BondRuling(Role.BUYER, BondDecision.RETURN), BondRuling(Role.SELLER, BondDecision.FORFEIT)))
    moves = ruling_moves(deal, ruling)
    assert [v.hold_id for v in moves.ledger.voids] == ["deal:b1:bond-buyer:CRD"]
    assert net(moves.ledger, member_account(BUYER, "CRD")) == 50_00 + 20_00


@given(refund_bps=st.integers(0, 10_000), buyer_fee=st.integers(0, 200_00), seller_fee=st.integers(0, 200_00))
def test_every_ruling_empties_the_escrow_and_every_transfer_balances(refund_bps, buyer_fee, seller_fee):
    deal, _ = disputed(hybrid_deal_in_inspection())
    ruling = Ruling((refund_share("EUR", refund_bps), refund_share("CRD", 10_000 - refund_bps)), "Split")
    charges = (FeeCharge(Role.BUYER, eur(buyer_fee)), FeeCharge(Role.SELLER, credits(seller_fee)))
    moves = ruling_moves(deal, ruling, tuple(c for c in charges if c.amount.is_positive))
    assert net(moves.ledger, escrow_account("h1", "EUR")) == -60_00
    assert net(moves.ledger, escrow_account("h1", "CRD")) == -40_00
    kept = sum(c.amount.amount_minor for c in moves.kept + moves.from_account + moves.waived)
    assert kept == buyer_fee + seller_fee  # every fee is taken, charged after, or said to be waived
    assert all(p.amount.amount_minor > 0 for t in moves.ledger.transfers for p in t.postings[1:])


def test_short_dispute_windows_for_a_demo_stack():
    policy = DisputePolicy.with_windows("settlement=2, evidence=15,appeal=3")
    assert (policy.settlement_talks_s, policy.evidence_s, policy.appeal_window_s) == (2, 15, 3)
    assert policy.ruling_sla == dt.timedelta(days=5)
    with pytest.raises(InvalidInput, match="name=seconds"):
        DisputePolicy.with_windows("talks=5")


def test_how_a_case_ended_is_recorded_for_reputation():
    _deal, dispute = disputed()
    assert dispute.outcome is None
    assert dispute.withdraw(BUYER, OPENED + DAY).dispute.outcome == "withdrawn"
    dispute = run_clock(dispute, OPENED + 5 * DAY)[0]  # talks end
    dispute = run_clock(dispute, OPENED + 12 * DAY)[0]  # evidence closes; nobody spoke
    dispute = dispute.assign_arbitrator(chosen(ADA), OPENED + 12 * DAY).dispute
    ruled = dispute.rule(ADA.arbitrator_id, Ruling((refund("CRD"),), "Not delivered"), OPENED + 13 * DAY).dispute
    assert ruled.outcome is None  # open to appeal
    assert run_clock(ruled, OPENED + 17 * DAY)[0].outcome == "lost_by_seller"
    split = dispute.rule(ADA.arbitrator_id, Ruling((refund_share("CRD", 5_000),), "Half"), OPENED + 13 * DAY).dispute
    assert run_clock(split, OPENED + 17 * DAY)[0].outcome == "split"
