"""The ledger benchmark, run briefly against the test session's PostgreSQL: it posts through the
project's ledger, keeps the books balanced and reports every figure. No timing assertions."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from bench.ledger_throughput import UNITS_OF_WORK, measure_on, open_members, posting_unit
from domain.ledger import Posting, Transfer
from domain.money import credits
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work

KEYS = {"clients", "seconds", "unit_of_work", "member_accounts", "hot_account", "postings_per_second",
        "hot_account_postings_per_second", "pgbench_tps", "ratio_to_pgbench", "hot_ratio_to_uncontended",
        "targets", "uncontended", "hot", "units", "pgbench", "postgres_settings"}


def test_the_benchmark_posts_balanced_transfers_and_reports_every_figure(database_url):
    # A platform account of its own: other tests read platform:fees:CRD.
    hot_account = f"platform:bench-{uuid.uuid4().hex[:8]}:CRD"

    result = measure_on(database_url, clients=2, seconds=1, accounts=20, scale=1, hot_account=hot_account)

    assert result.keys() >= KEYS
    assert set(result["targets"]) == {"ratio_to_pgbench", "ratio_to_pgbench_met",
                                      "hot_ratio_to_uncontended", "hot_ratio_to_uncontended_met"}
    assert result["uncontended"]["transfers"] > 0 and result["hot"]["transfers"] > 0
    assert result["postings_per_second"] > 0 and result["hot_account_postings_per_second"] > 0
    assert result["pgbench_tps"] > 0 and result["pgbench"]["failed_transactions"] == 0
    assert list(result["units"]) == ["statement", "connection"]
    assert all(unit["uncontended"]["transfers"] > 0 for unit in result["units"].values())
    with unit_of_work(database_url) as session:
        entries_per_currency = dict(session.execute(text(
            "SELECT currency, sum(amount) FROM ledger_entries GROUP BY currency")).all())
        balances_per_currency = dict(session.execute(text(
            "SELECT currency, sum(posted) FROM ledger_accounts GROUP BY currency")).all())
        hot = session.execute(text(
            "SELECT kind, posted, (SELECT count(*) FROM ledger_entries e WHERE e.account_id = a.id) "
            "FROM ledger_accounts a WHERE address = :address"), {"address": hot_account}).one()
        pgbench_left = session.execute(text(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgbench_%'")).scalar_one()
    assert entries_per_currency and set(entries_per_currency.values()) == {0}
    assert set(balances_per_currency.values()) == {0}
    # Every hot-account transfer, of every unit of work, paid one credit into the same platform account.
    assert hot.kind == "platform" and hot.posted == hot[2] >= sum(
        unit["hot"]["transfers"] for unit in result["units"].values())
    assert pgbench_left == 0


@pytest.mark.parametrize("kind", UNITS_OF_WORK)
def test_each_unit_of_work_commits_what_the_ledger_posted(database_url, kind):
    payer, payee = open_members(database_url, 2)
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with posting_unit(engine, kind) as (ledger, commit):
            for n in range(3):
                ledger.execute(Transfer(f"bench-test:{uuid.uuid4().hex}:{n}",
                                        (Posting(payer, -credits(1)), Posting(payee, credits(1)))))
                commit()
    finally:
        engine.dispose()

    with unit_of_work(database_url) as session:
        assert Ledger(session).balance(payee).posted == 3
