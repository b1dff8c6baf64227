"""Migration 0018_ledger_lean_checks: balances move once per statement and the rules are checked by
function calls, yet raw SQL meets the same refusals, and its downgrade brings 0001's form back."""

from __future__ import annotations

import psycopg
import pytest
from alembic import command
from sqlalchemy import text

from domain.money import credits
from integrations.db.migrate import alembic_config, upgrade
from integrations.db.session import unit_of_work
from tests.integrations.db.ledger_builders import a_deal_id, a_hold, a_member_account, a_payment, an_id, books
from tests.integrations.db.test_ledger_guarantees import IMMUTABLE, account_id, refused_by_database
from tests.integrations.db.test_ledger_speed_migration import a_fresh_database, posts_and_settles

ENTRIES = ("INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, pending) VALUES "
           "(:transfer, :a, -300, 'CRD', false), (:transfer, :b, 200, 'CRD', false), "
           "(:transfer, :b, 100, 'CRD', false), (:transfer, :a, -50, 'CRD', true), (:transfer, :c, 50, 'CRD', true)")


@pytest.fixture
def three(database_url):
    with books(database_url) as ledger:
        addresses = [a_member_account(ledger, limit=500_00) for _ in range(3)]
    return dict(zip("abc", (account_id(database_url, address) for address in addresses), strict=True))


def balances(database_url: str, ids: dict) -> dict:
    with unit_of_work(database_url) as session:
        rows = session.execute(text("SELECT id, posted, pending_out, pending_in FROM ledger_accounts "
                                    "WHERE id = ANY(:ids)"), {"ids": list(ids.values())}).all()
    by_id = {row.id: tuple(row[1:]) for row in rows}
    return {name: by_id[id_] for name, id_ in ids.items()}


def test_one_statement_moves_each_account_by_the_sum_of_its_entries(database_url, three):
    transfer = an_id("raw")
    with unit_of_work(database_url) as session:
        session.execute(text(f"INSERT INTO ledger_transfers (id, kind, status) VALUES ('{transfer}', 'posted', 'posted')"))
        session.execute(text(ENTRIES), {"transfer": transfer, **three})

    assert balances(database_url, three) == {"a": (-300, 50, 0), "b": (300, 0, 0), "c": (0, 0, 50)}


def test_an_entry_for_an_account_that_does_not_exist_is_refused_and_moves_nothing(database_url, three):
    transfer = an_id("raw")
    error = refused_by_database(
        database_url, f"INSERT INTO ledger_transfers (id, kind, status) VALUES ('{transfer}', 'posted', 'posted')",
        ("INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) VALUES "
         "(:transfer, :a, -100, 'CRD'), (:transfer, -1, 100, 'CRD')", {"transfer": transfer, **three}))

    assert isinstance(error, psycopg.errors.IntegrityError)
    assert balances(database_url, three)["a"] == (0, 0, 0)


@pytest.mark.parametrize("kind, status, settles", [
    ("gift", "posted", False),  # unknown kind
    ("posted", "lost", False),  # unknown status
    ("posted", "pending", False),  # only a hold is born pending
    ("void_pending", "posted", True),  # a void is born voided
    ("post_pending", "posted", False),  # a post names the hold it settles
    ("posted", "posted", True),  # and nothing else names one
])
def test_a_malformed_transfer_is_refused_by_its_check(database_url, kind, status, settles):
    with books(database_url) as ledger:
        hold = ledger.execute(a_hold(a_member_account(ledger), a_deal_id(), credits(1_00))).transfer_id
    error = refused_by_database(database_url, (
        "INSERT INTO ledger_transfers (id, kind, status, pending_id) VALUES (:id, :kind, :status, :pending)",
        {"id": an_id("raw"), "kind": kind, "status": status, "pending": hold if settles else None}))

    assert error.diag.constraint_name == "ck_ledger_transfers_well_formed"


def test_a_negative_credit_line_is_refused_by_its_check(database_url, three):
    error = refused_by_database(database_url, ("UPDATE ledger_accounts SET credit_limit = -1 WHERE id = :a", three))

    assert error.diag.constraint_name == "ck_ledger_accounts_amounts_not_negative"


@pytest.mark.parametrize("change", ["posted = posted + 1", "pending_in = pending_in + 1", "address = address || 'x'"])
def test_balances_and_addresses_still_cannot_be_set_by_hand(database_url, three, change):
    assert refused_by_database(database_url, (f"UPDATE ledger_accounts SET {change} WHERE id = :a", three)).sqlstate \
        == IMMUTABLE


def test_down_to_0017_and_up_again(database_url):
    with a_fresh_database(database_url) as url:
        upgrade(url)
        command.downgrade(alembic_config(url), "0017_matches_derived")
        assert posts_and_settles(url)
        with books(url) as ledger:
            payer = a_member_account(ledger, limit=1_00)
        refusal = refused_by_database(url, ("UPDATE ledger_accounts SET credit_limit = -1 WHERE address = :a",
                                            {"a": payer}))
        assert refusal.diag.constraint_name == "ck_ledger_accounts_credit_limit_not_negative"

        upgrade(url)
        assert posts_and_settles(url)
        with books(url) as ledger:
            payer, payee = a_member_account(ledger, limit=1_00), a_member_account(ledger)
            ledger.execute(a_payment(payer, payee, credits(1_00)))
            assert (ledger.balance(payer).posted, ledger.balance(payee).posted) == (-1_00, 1_00)
