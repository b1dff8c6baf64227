"""Balance is checked per statement (migration 0016_ledger_batch): whatever SQL writes the entries,
a transfer that does not balance at commit is refused, and one that does leaves nothing behind."""

from __future__ import annotations

import importlib

import psycopg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.ledger import Posting, Transfer, escrow_account
from domain.money import credits
from integrations.db.ledger import Ledger, array_literal
from integrations.db.migrate import alembic_config, upgrade
from integrations.db.session import unit_of_work
from tests.integrations.db.ledger_builders import a_deal_id, a_hold, a_member_account, a_payment, an_id, books
from tests.integrations.db.test_ledger_guarantees import account_id, entry, new_transfer, refused_by_database
from tests.integrations.db.test_ledger_speed_migration import a_fresh_database

ENTRIES = ("INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) "
           "VALUES (:transfer, :payer, :debit, 'CRD'), (:transfer, :payee, :credit, 'CRD')")


@pytest.fixture
def pair(database_url):
    """Two members' account ids, with room to pay each other."""
    with books(database_url) as ledger:
        payer, payee = a_member_account(ledger, limit=500_00), a_member_account(ledger, limit=500_00)
    return {"payer": account_id(database_url, payer), "payee": account_id(database_url, payee),
            "payer_address": payer, "payee_address": payee}


def write(session, step: tuple[str, dict]) -> None:
    statement, params = step
    session.execute(text(statement), params)


def queued_checks(database_url: str) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(text("SELECT count(*) FROM ledger_unbalanced_transfers"))


def test_entries_written_in_one_statement_that_do_not_balance_are_refused(database_url, pair):
    transfer = an_id("raw")

    error = refused_by_database(database_url, new_transfer(transfer),
                                (ENTRIES, {**pair, "transfer": transfer, "debit": -1_00, "credit": 2_00}))

    assert error.diag.constraint_name == "ledger_transfer_balanced"


def test_an_unbalanced_entry_added_to_a_committed_transfer_is_refused(database_url, pair):
    with books(database_url) as ledger:
        paid = ledger.execute(a_payment(pair["payer_address"], pair["payee_address"], credits(3_00)))

    error = refused_by_database(database_url, entry(paid.transfer_id, pair["payee"], 1_00))

    assert error.diag.constraint_name == "ledger_transfer_balanced"
    with books(database_url) as ledger:
        assert ledger.balance(pair["payee_address"]).posted == 3_00


def test_deleting_a_queued_check_does_not_skip_it(database_url, pair):
    transfer = an_id("raw")

    error = refused_by_database(database_url, new_transfer(transfer), entry(transfer, pair["payee"], 1_00),
                                "DELETE FROM ledger_unbalanced_transfers")

    assert error.diag.constraint_name == "ledger_transfer_balanced"


def test_a_queued_check_cannot_be_truncated_away(database_url, pair):
    transfer = an_id("raw")

    error = refused_by_database(database_url, new_transfer(transfer), entry(transfer, pair["payee"], 1_00),
                                "TRUNCATE ledger_unbalanced_transfers")

    assert isinstance(error, psycopg.errors.ObjectInUse)  # PostgreSQL's own: it has pending trigger events


def test_a_transfer_balanced_by_a_later_statement_commits_and_leaves_no_check_behind(database_url, pair):
    transfer, other = an_id("raw"), an_id("raw")
    with unit_of_work(database_url) as session:
        session.execute(text(new_transfer(transfer)))
        session.execute(text(new_transfer(other)))
        write(session, entry(transfer, pair["payee"], 2_00))
        # Balances the first transfer and writes the whole of another in one statement.
        session.execute(text(
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) VALUES "
            "(:transfer, :payer, -200, 'CRD'), (:other, :payer, -5, 'CRD'), (:other, :payee, 5, 'CRD')"),
            {**pair, "transfer": transfer, "other": other})

    assert queued_checks(database_url) == 0
    with books(database_url) as ledger:
        assert ledger.balance(pair["payee_address"]).posted == 2_05
        assert ledger.trial_balance()["CRD"] == 0


def test_postings_through_the_ledger_queue_no_check(database_url, pair):
    with unit_of_work(database_url) as session:
        ledger = Ledger(session)
        ledger.execute(a_payment(pair["payer_address"], pair["payee_address"], credits(1_00)))
        hold = ledger.execute(a_hold(pair["payer_address"], a_deal_id(), credits(1_00)))
        assert session.scalar(text("SELECT count(*) FROM ledger_unbalanced_transfers")) == 0
    assert hold.status == "pending"


@pytest.mark.parametrize("values", [
    ["plain", 'say "hi"', "back\\slash", "a,b", "{braces}", " spaced ", "NULL", ""],
    [-1, 0, 10**15],
    [None, "x", None],
])
def test_array_literals_reach_postgres_unchanged(database_url, values):
    cast = "bigint[]" if all(isinstance(v, int) for v in values) else "text[]"
    with unit_of_work(database_url) as session:
        driver = session.connection().connection.driver_connection
        assert driver.execute(f"SELECT %s::{cast}", (array_literal(values),)).fetchone()[0] == values


def test_accounts_with_awkward_names_post_and_settle(database_url):
    deal = 'odd "deal", {1}\\'
    with books(database_url) as ledger:
        payer = a_member_account(ledger)
        payee = 'member:"odd", {name}\\:credits'
        ledger.open_account(payee, "CRD", "member")
        ledger.execute(Transfer(an_id("pay"), (Posting(payer, -credits(4)), Posting(payee, credits(4)))))
        ledger.execute(a_hold(payer, deal, credits(2)))
        assert ledger.balance(payee).posted == 4
        assert ledger.balance(escrow_account(deal, "CRD")).pending_in == 2


def test_down_before_0011_and_up_again_still_refuses_unbalanced_transfers(database_url):
    before = importlib.import_module("integrations.db.migrations.versions.0016_ledger_batch").down_revision
    with a_fresh_database(database_url) as url:
        upgrade(url)
        command.downgrade(alembic_config(url), before)
        for step in ("down", "up"):
            with books(url) as ledger:
                payer, payee = a_member_account(ledger), a_member_account(ledger)
                ledger.execute(a_payment(payer, payee, credits(1_00)))
            transfer = an_id("raw")
            with pytest.raises(DBAPIError) as caught, unit_of_work(url) as session:
                session.execute(text(new_transfer(transfer)))
                write(session, entry(transfer, account_id(url, payee), 1))
            assert isinstance(caught.value.orig, psycopg.errors.CheckViolation), step
            assert caught.value.orig.diag.constraint_name == "ledger_transfer_balanced", step
            upgrade(url)
