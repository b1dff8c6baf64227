"""The ledger posts inside the caller's transaction, whether the caller holds an ORM Session or a
Core Connection: what it wrote commits or rolls back with the caller, a refusal leaves the
transaction usable, and a database error comes out as SQLAlchemy's. On a connection in
autocommit each command is its own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from domain.errors import InsufficientFunds
from domain.money import credits
from integrations.db.ledger import Ledger
from integrations.db.session import engine_for
from tests.integrations.db.ledger_builders import a_member_account, a_payment, books


@pytest.fixture
def two_members(database_url):
    with books(database_url) as ledger:
        return a_member_account(ledger, limit=50_00), a_member_account(ledger, limit=0)


def posted(database_url: str, address: str) -> int:
    with books(database_url) as ledger:
        return ledger.balance(address).posted


def test_a_transfer_on_a_core_connection_commits_with_the_connection(database_url, two_members):
    payer, payee = two_members
    with engine_for(database_url).connect() as connection:
        record = Ledger(connection).execute(a_payment(payer, payee, credits(12_00)))
        assert posted(database_url, payee) == 0  # not committed yet: nobody else sees it
        connection.commit()

    assert not record.replayed
    assert (posted(database_url, payer), posted(database_url, payee)) == (-12_00, 12_00)


def test_a_transfer_on_a_core_connection_rolls_back_with_the_connection(database_url, two_members):
    payer, payee = two_members
    with engine_for(database_url).connect() as connection:
        Ledger(connection).execute(a_payment(payer, payee, credits(3_00)))
        connection.rollback()

    assert (posted(database_url, payer), posted(database_url, payee)) == (0, 0)


def test_after_a_refusal_the_same_connection_posts_and_commits(database_url, two_members):
    payer, payee = two_members
    with engine_for(database_url).connect() as connection:
        ledger = Ledger(connection)
        with pytest.raises(InsufficientFunds):
            ledger.execute(a_payment(payee, payer, credits(1_00)))  # the payee has no credit line
        ledger.execute(a_payment(payer, payee, credits(1_00)))
        connection.execute(text("SELECT 1"))  # the transaction is still usable for other work
        connection.commit()

    assert posted(database_url, payee) == 1_00


def test_a_database_error_comes_out_as_sqlalchemys_and_the_transaction_rolls_back(database_url, two_members):
    payer, payee = two_members
    with books(database_url) as ledger:
        other = a_member_account(ledger, limit=50_00)

    with engine_for(database_url).connect() as blocker:
        # Another transaction holds the payer's account; this one gives up waiting for it.
        blocker.execute(text("SELECT 1 FROM ledger_accounts WHERE address = :a FOR UPDATE"), {"a": payer})
        with pytest.raises(OperationalError) as caught, books(database_url) as ledger:
            ledger.session.execute(text("SET LOCAL lock_timeout = '200ms'"))
            ledger.execute(a_payment(other, payee, credits(2_00)))  # goes through, then rolls back
            ledger.execute(a_payment(payer, payee, credits(1_00)))
        blocker.rollback()

    assert caught.value.orig.sqlstate == "55P03"  # lock_not_available
    assert (posted(database_url, other), posted(database_url, payer), posted(database_url, payee)) == (0, 0, 0)


def test_on_an_autocommit_connection_each_command_is_its_own_transaction(database_url, two_members):
    payer, payee = two_members
    with engine_for(database_url).connect() as connection:
        ledger = Ledger(connection.execution_options(isolation_level="AUTOCOMMIT"))
        ledger.execute(a_payment(payer, payee, credits(4_00)))
        assert posted(database_url, payee) == 4_00  # committed as the statement ended
        with pytest.raises(InsufficientFunds):
            ledger.execute(a_payment(payee, payer, credits(5_00)))  # beyond what the payee holds
        record = ledger.execute(a_payment(payer, payee, credits(1_00)))

    assert not record.replayed
    assert (posted(database_url, payer), posted(database_url, payee)) == (-5_00, 5_00)
