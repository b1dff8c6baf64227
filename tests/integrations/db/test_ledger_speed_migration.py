"""Migration 0008_ledger_speed replaces ledger_move and ledger_settle, and its downgrade puts
0001's back: either way the functions post and settle."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from alembic import command
from sqlalchemy import make_url, text

from domain.ledger import PostHold
from domain.money import credits
from integrations.db.migrate import alembic_config, upgrade
from integrations.db.session import engine_for
from tests.integrations.db.ledger_builders import a_deal_id, a_hold, a_member_account, a_payment, an_id, books


@contextmanager
def a_fresh_database(database_url: str) -> Iterator[str]:
    """An empty database beside the session's, on the same server, dropped afterwards."""
    url = make_url(database_url)
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = {"dbname": "postgres", "host": url.query["host"], "user": url.username, "autocommit": True}
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    fresh = url.set(database=name).render_as_string(hide_password=False)
    try:
        yield fresh
    finally:
        engine_for(fresh).dispose()
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def ledger_move_source(url: str) -> str:
    with engine_for(url).connect() as connection:
        return connection.execute(text("SELECT prosrc FROM pg_proc WHERE proname = 'ledger_move'")).scalar_one()


def posts_and_settles(url: str) -> bool:
    with books(url) as ledger:
        payer, payee = a_member_account(ledger), a_member_account(ledger)
        paid = ledger.execute(a_payment(payer, payee, credits(5_00)))
        hold = ledger.execute(a_hold(payer, a_deal_id(), credits(1_00)))
    with books(url) as ledger:
        settled = ledger.execute(PostHold(an_id("escrow"), hold.transfer_id))
        return (not paid.replayed, settled.status, ledger.balance(payee).posted,
                ledger.trial_balance()["CRD"]) == (True, "posted", 5_00, 0)


def test_down_to_0007_and_up_again(database_url):
    with a_fresh_database(database_url) as url:
        upgrade(url)
        assert "= ANY" not in ledger_move_source(url) and posts_and_settles(url)

        command.downgrade(alembic_config(url), "0007_plans")
        assert "= ANY (p_addresses)" in ledger_move_source(url) and posts_and_settles(url)

        upgrade(url)
        assert "= ANY" not in ledger_move_source(url) and posts_and_settles(url)
