"""Worked accounting examples: what a member, a deal's escrow and finance see after each step."""

from __future__ import annotations

import pytest

from domain.errors import (
    CreditLimitExceeded,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidInput,
    InvalidTransition,
)
from domain.ledger import (
    Hold,
    PostHold,
    Posting,
    Transfer,
    VoidHold,
    escrow_account,
    platform_fees_account,
)
from domain.money import credits, eur
from tests.integrations.db.ledger_builders import (
    a_deal_id,
    a_hold,
    a_member_account,
    a_payment,
    an_id,
    books,
)


def test_a_hold_reserves_the_amount_without_moving_the_posted_balance(database_url):
    with books(database_url) as ledger:
        buyer, deal = a_member_account(ledger, limit=500_00), a_deal_id()
        record = ledger.execute(a_hold(buyer, deal, credits(100_00)))

        assert (record.kind, record.status, record.replayed) == ("pending", "pending", False)
        held = ledger.balance(buyer)
        assert (held.posted, held.pending_out, held.available) == (0, 100_00, 400_00)
        escrow = ledger.balance(escrow_account(deal, "CRD"))
        assert (escrow.posted, escrow.pending_in, escrow.credit_limit) == (0, 100_00, 0)
        assert ledger.escrow_balance(deal) == {"CRD": 100_00}


def test_posting_60_of_a_hold_of_100_moves_60_and_frees_40(database_url):
    with books(database_url) as ledger:
        buyer, deal = a_member_account(ledger, limit=500_00), a_deal_id()
        hold = ledger.execute(a_hold(buyer, deal, credits(100_00)))

        posted = ledger.execute(PostHold(an_id("escrow"), hold.transfer_id, credits(60_00)))

        assert (posted.kind, posted.status) == ("post_pending", "posted")
        after = ledger.balance(buyer)
        assert (after.posted, after.pending_out, after.available) == (-60_00, 0, 440_00)
        escrow = ledger.balance(escrow_account(deal, "CRD"))
        assert (escrow.posted, escrow.pending_in) == (60_00, 0)
        assert [(t.kind, t.status) for t in ledger.transfers_for_deal(deal)] == [
            ("pending", "posted"), ("post_pending", "posted")]


def test_voiding_a_hold_returns_all_of_it(database_url):
    with books(database_url) as ledger:
        buyer, deal = a_member_account(ledger), a_deal_id()
        hold = ledger.execute(a_hold(buyer, deal, credits(100_00)))

        voided = ledger.execute(VoidHold(an_id("void"), hold.transfer_id, memo="Deal cancelled"))

        assert (voided.kind, voided.status) == ("void_pending", "voided")
        after = ledger.balance(buyer)
        assert (after.posted, after.pending_out, after.available) == (0, 0, 500_00)
        assert ledger.escrow_balance(deal) == {"CRD": 0}
        void = ledger.transfers_for_deal(deal)[-1]
        assert (void.pending_id, void.memo, void.postings) == (hold.transfer_id, "Deal cancelled", ())


def test_release_pays_the_seller_the_price_less_the_fee(database_url):
    with books(database_url) as ledger:
        buyer, seller, deal = a_member_account(ledger), a_member_account(ledger), a_deal_id()
        fees_before = ledger.balance(platform_fees_account("CRD")).posted
        escrow = escrow_account(deal, "CRD")
        hold = ledger.execute(a_hold(buyer, deal, credits(100_00)))
        ledger.execute(PostHold(an_id("escrow"), hold.transfer_id))
        ledger.execute(Transfer(an_id("release"), (
            Posting(escrow, credits(-100_00)), Posting(seller, credits(95_00)),
            Posting(platform_fees_account("CRD"), credits(5_00))), deal_id=deal))

        assert ledger.balance(buyer).posted == -100_00
        assert ledger.balance(seller).posted == 95_00
        assert ledger.balance(platform_fees_account("CRD")).posted - fees_before == 5_00
        assert ledger.escrow_balance(deal) == {"CRD": 0}
        assert ledger.trial_balance()["CRD"] == 0


def test_replaying_each_command_returns_the_first_result_and_posts_nothing_twice(database_url):
    with books(database_url) as ledger:
        buyer, seller, deal = a_member_account(ledger), a_member_account(ledger), a_deal_id()
        hold = a_hold(buyer, deal, credits(100_00))
        second = a_hold(buyer, deal, credits(10_00))
        commands = [hold, PostHold(an_id("escrow"), hold.transfer_id, credits(70_00)), second,
                    VoidHold(an_id("void"), second.transfer_id), a_payment(buyer, seller, credits(5_00))]
        first = [ledger.execute(command) for command in commands]
    with books(database_url) as ledger:
        before = [ledger.balance(a) for a in (buyer, seller, escrow_account(deal, "CRD"))]
        lines = len(ledger.statement(buyer))

        again = [ledger.execute(command) for command in commands]

        assert [record.replayed for record in first + again] == [False] * 5 + [True] * 5
        # A replayed hold reports where it stands now; the other kinds are born settled.
        assert [(r.kind, r.status) for r in again] == [
            ("pending", "posted"), ("post_pending", "posted"), ("pending", "voided"),
            ("void_pending", "voided"), ("posted", "posted")]
        assert [ledger.balance(a) for a in (buyer, seller, escrow_account(deal, "CRD"))] == before
        assert len(ledger.statement(buyer)) == lines


def test_a_hold_beyond_the_credit_line_is_refused_and_writes_nothing(database_url):
    with books(database_url) as ledger:
        buyer, deal = a_member_account(ledger, limit=50_00), a_deal_id()
        refused = a_hold(buyer, deal, credits(100_00))

        with pytest.raises(CreditLimitExceeded, match=r"would exceed your credit line of 50\.00 CRD"):
            ledger.execute(refused)

        after = ledger.balance(buyer)
        assert (after.posted, after.pending_out, after.available) == (0, 0, 50_00)
        assert ledger.transfers_for_deal(deal) == []
        # The caller's transaction is still usable: the same step can go on and commit.
        assert ledger.execute(a_hold(buyer, deal, credits(50_00))).status == "pending"
    with books(database_url) as ledger:
        assert refused.transfer_id not in [t.transfer_id for t in ledger.transfers_for_deal(deal)]
        assert ledger.balance(buyer).pending_out == 50_00


def test_an_account_without_a_credit_line_cannot_go_below_zero(database_url):
    with books(database_url) as ledger:
        payer, payee = a_member_account(ledger, limit=0), a_member_account(ledger)
        with pytest.raises(InsufficientFunds, match=r"0\.01 CRD is needed and 0\.00 CRD is available"):
            ledger.execute(a_payment(payer, payee, credits(1)))
        escrow = escrow_account(a_deal_id(), "CRD")
        with pytest.raises(InsufficientFunds):
            ledger.execute(a_payment(escrow, payee, credits(1)))


def test_a_hold_is_posted_or_voided_once_and_never_for_more_than_it_holds(database_url):
    with books(database_url) as ledger:
        hold = ledger.execute(a_hold(a_member_account(ledger), a_deal_id(), credits(100_00)))
        with pytest.raises(InvalidInput, match=r"cannot post 100\.01 CRD of a hold of 100\.00 CRD"):
            ledger.execute(PostHold(an_id("escrow"), hold.transfer_id, credits(100_01)))
        with pytest.raises(CurrencyMismatch):
            ledger.execute(PostHold(an_id("escrow"), hold.transfer_id, eur(1_00)))
        ledger.execute(VoidHold(an_id("void"), hold.transfer_id))

        with pytest.raises(InvalidTransition, match="is already voided"):
            ledger.execute(PostHold(an_id("escrow"), hold.transfer_id))
        with pytest.raises(InvalidTransition, match="is already voided"):
            ledger.execute(VoidHold(an_id("void"), hold.transfer_id))
        with pytest.raises(InvalidInput, match="there is no hold"):
            ledger.execute(VoidHold(an_id("void"), "no-such-hold"))


def test_refusals_name_what_is_wrong(database_url):
    with books(database_url) as ledger:
        member, deal = a_member_account(ledger), a_deal_id()
        with pytest.raises(InvalidInput, match=r"no ledger account member:0:credits"):
            ledger.execute(a_hold("member:0:credits", deal))
        with pytest.raises(CurrencyMismatch):
            ledger.execute(Transfer(an_id("pay"), (Posting(member, eur(-1_00)),
                                                   Posting(platform_fees_account("EUR"), eur(1_00)))))
        hold = ledger.execute(a_hold(member, deal, credits(1_00)))
        with pytest.raises(InvalidInput, match="already taken by a pending transfer"):
            ledger.execute(Transfer(hold.transfer_id, (Posting(member, credits(-1)),
                                                       Posting(escrow_account(deal, "CRD"), credits(1)))))
        with pytest.raises(InvalidInput, match="to itself"):
            ledger.execute(Hold(an_id("fund"), member, member, credits(1)))
        assert ledger.balance(member).pending_out == 1_00


def test_a_statement_lists_the_latest_lines_with_the_running_balance(database_url):
    with books(database_url) as ledger:
        member, other, deal = a_member_account(ledger), a_member_account(ledger), a_deal_id()
        ledger.execute(a_payment(other, member, credits(30_00), deal_id=deal))
        hold = ledger.execute(a_hold(member, deal, credits(20_00)))
        ledger.execute(PostHold(an_id("escrow"), hold.transfer_id, credits(5_00)))
        ledger.execute(a_payment(member, other, credits(10_00)))

        lines = ledger.statement(member)

        assert [(line.amount, line.pending, line.running_balance) for line in lines] == [
            (-10_00, False, 15_00), (-5_00, False, 25_00), (-20_00, True, 30_00), (30_00, False, 30_00)]
        assert [line.status for line in lines][1:3] == ["posted", "posted"]
        assert lines[-1].deal_id == deal
        assert len(ledger.statement(member, limit=2)) == 2
        assert ledger.statement(member, limit=2)[-1].running_balance == 25_00


def test_opening_twice_keeps_the_first_account_and_a_lower_line_keeps_what_is_used(database_url):
    with books(database_url) as ledger:
        member, other = a_member_account(ledger, limit=500_00), a_member_account(ledger)
        ledger.open_account(member, "CRD", "member", credit_limit=0)
        assert ledger.balance(member).credit_limit == 500_00

        ledger.execute(a_payment(member, other, credits(300_00)))

        assert ledger.set_credit_limit(member, 100_00) == 300_00
        assert ledger.balance(member).available == 0
        assert ledger.set_credit_limit(member, 800_00) == 800_00
        with pytest.raises(InvalidInput):
            ledger.set_credit_limit(member, -1)
        with pytest.raises(InvalidInput):
            ledger.balance("member:0:credits")
