"""The database keeps the books by itself: raw SQL that bypasses the Python ledger is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.ledger import escrow_account
from domain.money import credits
from integrations.db.session import unit_of_work
from tests.integrations.db.ledger_builders import (
    a_deal_id,
    a_hold,
    a_member_account,
    a_payment,
    an_id,
    books,
)

IMMUTABLE = "55000"  # object_not_in_prerequisite_state


def refused_by_database(database_url: str, *steps: str | tuple[str, dict]):
    """Run the statements (with their parameters) in one transaction; return the database's refusal."""
    with pytest.raises(DBAPIError) as caught, unit_of_work(database_url) as session:
        for step in steps:
            statement, params = (step, {}) if isinstance(step, str) else step
            session.execute(text(statement), params)
    return caught.value.orig


def account_id(database_url: str, address: str) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(text("SELECT id FROM ledger_accounts WHERE address = :a"), {"a": address})


@pytest.fixture(scope="module")
def settled(database_url):
    """Two members, a posted payment between them and a pending hold, committed."""
    with books(database_url) as ledger:
        payer, payee = a_member_account(ledger, limit=500_00), a_member_account(ledger, limit=0)
        payment = ledger.execute(a_payment(payer, payee, credits(10_00)))
        hold = ledger.execute(a_hold(payer, a_deal_id(), credits(5_00)))
    return {"payer": account_id(database_url, payer), "payee": account_id(database_url, payee),
            "payer_address": payer, "payee_address": payee,
            "payment": payment.transfer_id, "hold": hold.transfer_id}


def new_transfer(transfer_id: str) -> str:
    return f"INSERT INTO ledger_transfers (id, kind, status) VALUES ('{transfer_id}', 'posted', 'posted')"


def entry(transfer_id: str, account: int, amount: int, currency: str = "CRD") -> tuple[str, dict]:
    return ("INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) "
            "VALUES (:transfer, :account, :amount, :currency)",
            {"transfer": transfer_id, "account": account, "amount": amount, "currency": currency})


def test_entries_that_do_not_sum_to_zero_are_refused_when_the_transaction_commits(database_url, settled):
    with books(database_url) as ledger:
        before = ledger.balance(settled["payee_address"])
    transfer = an_id("raw")

    error = refused_by_database(database_url, new_transfer(transfer), entry(transfer, settled["payee"], 1_00))

    assert error.diag.constraint_name == "ledger_transfer_balanced"
    with books(database_url) as ledger:
        assert ledger.balance(settled["payee_address"]) == before


def test_entries_may_be_written_one_by_one_as_long_as_they_balance_at_commit(database_url, settled):
    transfer = an_id("raw")
    with unit_of_work(database_url) as session:
        session.execute(text(new_transfer(transfer)))
        for account, amount in ((settled["payee"], 1_00), (settled["payer"], -1_00)):
            statement, params = entry(transfer, account, amount)
            session.execute(text(statement), params)
    with books(database_url) as ledger:
        assert ledger.statement(settled["payee_address"], limit=1)[0].transfer_id == transfer
        assert ledger.trial_balance()["CRD"] == 0


def test_a_balance_beyond_the_credit_line_is_refused_with_the_constraint_name(database_url):
    with books(database_url) as ledger:
        penniless, payee = a_member_account(ledger, limit=0), a_member_account(ledger)
    transfer = an_id("raw")

    error = refused_by_database(database_url, new_transfer(transfer),
                                entry(transfer, account_id(database_url, penniless), -1),
                                entry(transfer, account_id(database_url, payee), 1))

    assert error.diag.constraint_name == "ck_ledger_accounts_within_credit_line"


def test_an_entry_in_another_currency_than_its_account_is_refused(database_url, settled):
    transfer = an_id("raw")
    error = refused_by_database(database_url, new_transfer(transfer),
                                entry(transfer, settled["payee"], 1_00, currency="EUR"))

    assert error.diag.constraint_name == "ledger_entry_currency"


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET amount = amount * 2 WHERE transfer_id = :payment",
    "DELETE FROM ledger_entries WHERE transfer_id = :payment",
    "TRUNCATE ledger_entries",
    "UPDATE ledger_transfers SET memo = 'rewritten' WHERE id = :payment",
    "UPDATE ledger_transfers SET status = 'voided' WHERE id = :payment",
    "DELETE FROM ledger_transfers WHERE id = :payment",
    "UPDATE ledger_transfers SET deal_id = 'other', status = 'voided' WHERE id = :hold",
    "UPDATE ledger_accounts SET posted = posted + 100 WHERE id = :payee",
    "UPDATE ledger_accounts SET currency = 'EUR' WHERE id = :payee",
    "INSERT INTO ledger_accounts (address, currency, kind, posted) VALUES ('member:x:credits', 'CRD', 'member', 1)",
])
def test_the_books_cannot_be_rewritten(database_url, settled, statement):
    error = refused_by_database(database_url, (statement, settled))

    assert error.sqlstate == IMMUTABLE


def test_a_hold_changes_once_from_pending_and_frees_its_reservation(database_url):
    with books(database_url) as ledger:
        payer = a_member_account(ledger)
        hold = ledger.execute(a_hold(payer, a_deal_id(), credits(5_00)))
    settle = "UPDATE ledger_transfers SET status = :status WHERE id = :hold"
    with unit_of_work(database_url) as session:
        session.execute(text(settle), {"status": "voided", "hold": hold.transfer_id})
    with books(database_url) as ledger:
        assert ledger.balance(payer).pending_out == 0

    error = refused_by_database(database_url, (settle, {"status": "pending", "hold": hold.transfer_id}))

    assert error.sqlstate == IMMUTABLE


def test_a_hold_is_settled_by_one_transfer_only(database_url):
    with books(database_url) as ledger:
        hold = ledger.execute(a_hold(a_member_account(ledger), a_deal_id()))
    insert = ("INSERT INTO ledger_transfers (id, kind, status, pending_id) "
              "VALUES (:id, 'void_pending', 'voided', :hold)")
    with pytest.raises(DBAPIError) as caught, unit_of_work(database_url) as session:
        for _ in range(2):
            session.execute(text(insert), {"id": an_id("void"), "hold": hold.transfer_id})

    assert caught.value.orig.diag.constraint_name == "uq_ledger_transfers_pending_id"


def test_escrow_accounts_open_on_demand_without_a_credit_line(database_url):
    with books(database_url) as ledger:
        deal = a_deal_id()
        ledger.execute(a_hold(a_member_account(ledger), deal, credits(1_00)))
        escrow = ledger.balance(escrow_account(deal, "CRD"))

    assert (escrow.credit_limit, escrow.pending_in, escrow.available) == (0, 1_00, 0)
