"""Migration 0020_ledger_two_accounts: a two-account transfer takes the short path through
`ledger_move` and the balance trigger, every other statement the general one, with the same
balances and the same refusals either way; an account's address and currency stay fixed even
for an update made from inside another trigger."""

from __future__ import annotations

import psycopg
import pytest
from alembic import command
from sqlalchemy import text

from domain.ledger import PostHold, Posting, Transfer, VoidHold
from domain.money import credits
from integrations.db.migrate import alembic_config, upgrade
from integrations.db.session import unit_of_work
from tests.integrations.db.ledger_builders import a_deal_id, a_hold, a_member_account, a_payment, an_id, books
from tests.integrations.db.test_ledger_guarantees import IMMUTABLE, account_id, refused_by_database
from tests.integrations.db.test_ledger_lean_checks import balances
from tests.integrations.db.test_ledger_speed_migration import a_fresh_database, posts_and_settles


@pytest.fixture
def two(database_url):
    with books(database_url) as ledger:
        addresses = [a_member_account(ledger, limit=500_00) for _ in range(2)]
    return {"addresses": addresses, "ids": {name: account_id(database_url, address)
                                            for name, address in zip("ab", addresses, strict=True)}}


def entries_of(database_url: str, transfer_id: str) -> list[tuple[int, int]]:
    with unit_of_work(database_url) as session:
        return [tuple(row) for row in session.execute(text(
            "SELECT account_id, amount FROM ledger_entries WHERE transfer_id = :t ORDER BY id"), {"t": transfer_id})]


@pytest.mark.parametrize("payer_first", [True, False])
def test_a_payment_either_way_round_moves_both_accounts_and_writes_entries_in_posting_order(
        database_url, two, payer_first):
    a, b = two["addresses"]
    payer, payee = (a, b) if payer_first else (b, a)
    with books(database_url) as ledger:
        payment = ledger.execute(a_payment(payer, payee, credits(7_00)))

    moved = balances(database_url, two["ids"])
    assert moved["a" if payer_first else "b"] == (-7_00, 0, 0)
    assert moved["b" if payer_first else "a"] == (7_00, 0, 0)
    ids = {a: two["ids"]["a"], b: two["ids"]["b"]}
    assert entries_of(database_url, payment.transfer_id) == [(ids[payer], -7_00), (ids[payee], 7_00)]


def test_a_hold_then_its_post_and_a_void_keep_reservations_and_balances_right(database_url, two):
    payer, payee = two["addresses"]
    deal = a_deal_id()
    with books(database_url) as ledger:
        kept = ledger.execute(a_hold(payer, deal, credits(3_00)))
        dropped = ledger.execute(a_hold(payer, a_deal_id(), credits(1_00)))
        assert ledger.balance(payer).pending_out == 4_00
        ledger.execute(PostHold(an_id("post"), kept.transfer_id, memo="released"))
        ledger.execute(VoidHold(an_id("void"), dropped.transfer_id, memo="cancelled"))
        assert (ledger.balance(payer).posted, ledger.balance(payer).pending_out) == (-3_00, 0)
        assert ledger.trial_balance()["CRD"] == 0


def test_a_transfer_over_three_accounts_takes_the_general_path_and_balances(database_url, two):
    a, b = two["addresses"]
    with books(database_url) as ledger:
        c = a_member_account(ledger)
        ledger.execute(Transfer(an_id("split"), (Posting(a, credits(-5_00)), Posting(b, credits(3_00)),
                                                  Posting(c, credits(2_00))), memo="split"))
        assert [ledger.balance(x).posted for x in (a, b, c)] == [-5_00, 3_00, 2_00]


def test_entries_of_two_transfers_in_one_statement_take_the_general_path(database_url, two):
    first, second = an_id("raw"), an_id("raw")
    with unit_of_work(database_url) as session:
        for transfer in (first, second):
            session.execute(text("INSERT INTO ledger_transfers (id, kind, status) VALUES (:t, 'posted', 'posted')"),
                            {"t": transfer})
        session.execute(text(
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) VALUES "
            "(:first, :a, -100, 'CRD'), (:first, :b, 100, 'CRD'), (:second, :b, -40, 'CRD'), (:second, :a, 40, 'CRD')"),
            {"first": first, "second": second, **two["ids"]})

    assert balances(database_url, two["ids"]) == {"a": (-60, 0, 0), "b": (60, 0, 0)}


def test_a_two_account_statement_that_does_not_balance_is_refused_at_commit(database_url, two):
    transfer = an_id("raw")
    error = refused_by_database(
        database_url, f"INSERT INTO ledger_transfers (id, kind, status) VALUES ('{transfer}', 'posted', 'posted')",
        ("INSERT INTO ledger_entries (transfer_id, account_id, amount, currency) VALUES "
         "(:transfer, :a, -100, 'CRD'), (:transfer, :b, 90, 'CRD')", {"transfer": transfer, **two["ids"]}))

    assert error.diag.constraint_name == "ledger_transfer_balanced"
    assert balances(database_url, two["ids"]) == {"a": (0, 0, 0), "b": (0, 0, 0)}


def test_a_refused_two_account_transfer_writes_nothing(database_url, two):
    payer, payee = two["addresses"]
    with books(database_url) as ledger, pytest.raises(Exception, match="credit line"):
        ledger.execute(a_payment(payer, payee, credits(500_01)))

    assert balances(database_url, two["ids"]) == {"a": (0, 0, 0), "b": (0, 0, 0)}


def test_a_credit_line_may_still_change_by_hand(database_url, two):
    with unit_of_work(database_url) as session:
        session.execute(text("UPDATE ledger_accounts SET credit_limit = 9 WHERE id = :a"), two["ids"])

    with unit_of_work(database_url) as session:
        assert session.scalar(text("SELECT credit_limit FROM ledger_accounts WHERE id = :a"), two["ids"]) == 9


@pytest.mark.parametrize("change", ["address = address || 'x'", "currency = 'EUR'"])
def test_an_address_or_currency_cannot_change_even_from_inside_a_trigger(database_url, two, change):
    """Depth 1: the balance rule does not look there, the address rule does."""
    with unit_of_work(database_url) as session:
        session.execute(text(f"""
            CREATE TEMPORARY TABLE renames (account_id bigint);
            CREATE FUNCTION pg_temp.rename() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE ledger_accounts SET {change} WHERE id = NEW.account_id; RETURN NULL; END $$;
            CREATE TRIGGER renames_rename AFTER INSERT ON renames FOR EACH ROW EXECUTE FUNCTION pg_temp.rename();
        """))
        with pytest.raises(Exception) as caught:
            session.execute(text("INSERT INTO renames VALUES (:a)"), two["ids"])
        session.rollback()

    assert isinstance(caught.value.orig, psycopg.errors.ObjectNotInPrerequisiteState)
    assert caught.value.orig.sqlstate == IMMUTABLE


def test_down_to_0019_and_up_again(database_url):
    with a_fresh_database(database_url) as url:
        upgrade(url)
        command.downgrade(alembic_config(url), "0019_ledger_entry_references")
        assert posts_and_settles(url)
        with books(url) as ledger:
            payer = a_member_account(ledger)
        assert refused_by_database(url, ("UPDATE ledger_accounts SET posted = 1 WHERE address = :a",
                                         {"a": payer})).sqlstate == IMMUTABLE

        upgrade(url)
        assert posts_and_settles(url)
