"""Migration 0019_ledger_entry_references: an entry's transfer and account must exist, checked by the
ledger's statement trigger instead of foreign keys, and neither can be deleted afterwards."""

from __future__ import annotations

import psycopg
import pytest
from alembic import command

from domain.money import credits
from integrations.db.migrate import alembic_config, upgrade
from tests.integrations.db.ledger_builders import a_member_account, a_payment, an_id, books
from tests.integrations.db.test_ledger_guarantees import IMMUTABLE, account_id, refused_by_database
from tests.integrations.db.test_ledger_speed_migration import a_fresh_database, posts_and_settles

TRANSFER = "INSERT INTO ledger_transfers (id, kind, status) VALUES (:transfer, 'posted', 'posted')"
ENTRIES = ("INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) "
           "VALUES (:transfer, :payer, -100, 'CRD'), (:transfer, :payee, 100, 'CRD')")


@pytest.fixture
def pair(database_url):
    with books(database_url) as ledger:
        payer, payee = a_member_account(ledger), a_member_account(ledger)
        ledger.execute(a_payment(payer, payee, credits(1_00)))
    return {"payer": account_id(database_url, payer), "payee": account_id(database_url, payee)}


def test_entries_of_a_transfer_that_does_not_exist_are_refused(database_url, pair):
    error = refused_by_database(database_url, (ENTRIES, {"transfer": an_id("nowhere"), **pair}))

    assert isinstance(error, psycopg.errors.ForeignKeyViolation)
    assert error.diag.constraint_name == "ledger_entry_transfer"


def test_an_entry_for_an_account_that_does_not_exist_is_refused(database_url, pair):
    transfer = an_id("raw")
    error = refused_by_database(database_url, (TRANSFER, {"transfer": transfer}),
                                (ENTRIES, {"transfer": transfer, "payer": pair["payer"], "payee": -1}))

    assert isinstance(error, psycopg.errors.ForeignKeyViolation)
    assert error.diag.constraint_name == "ledger_entry_account"


@pytest.mark.parametrize("statement", ["DELETE FROM ledger_accounts WHERE id = :payee", "TRUNCATE ledger_accounts CASCADE"])
def test_an_account_is_never_deleted(database_url, pair, statement):
    assert refused_by_database(database_url, (statement, pair)).sqlstate == IMMUTABLE


def test_down_to_0018_and_up_again(database_url):
    with a_fresh_database(database_url) as url:
        upgrade(url)
        command.downgrade(alembic_config(url), "0018_ledger_lean_checks")
        assert posts_and_settles(url)
        error = refused_by_database(url, (ENTRIES, {"transfer": an_id("nowhere"), "payer": 1, "payee": 2}))
        assert error.diag.constraint_name == "fk_ledger_entries_transfer_id_ledger_transfers"

        upgrade(url)
        assert posts_and_settles(url)
