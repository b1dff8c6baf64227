"""Views marked `reads_only` read on the read-only pool: no transaction around their statements,
and the database itself refuses a write there."""

from __future__ import annotations

import pytest
from flask import Flask
from psycopg import pq
from sqlalchemy import text
from sqlalchemy.exc import InternalError

from web import db as web_db
from web.db import db, reads_only


@pytest.fixture
def tiny_app(database_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(DATABASE_URL=database_url, TESTING=True)
    web_db.init_app(app)

    def transaction_status() -> dict:
        rows = db().execute(text("SELECT 1")).all()
        status = db().connection().connection.dbapi_connection.info.transaction_status
        return {"idle": status == pq.TransactionStatus.IDLE, "rows": len(rows)}

    def rename_nobody() -> dict:
        db().execute(text("UPDATE businesses SET name = name WHERE false"))
        return {"wrote": True}

    # Each route its own function: the mark is an attribute of the function registered.
    app.add_url_rule("/reads/status", "read_status", reads_only(lambda: transaction_status()))
    app.add_url_rule("/writes/status", "write_status", lambda: transaction_status())
    app.add_url_rule("/reads/write", "read_write", reads_only(lambda: rename_nobody()))
    app.add_url_rule("/writes/write", "write_write", lambda: rename_nobody())
    return app


def test_a_reads_only_view_runs_its_statements_outside_a_transaction(tiny_app: Flask):
    client = tiny_app.test_client()
    assert client.get("/reads/status").json == {"idle": True, "rows": 1}
    assert client.get("/writes/status").json == {"idle": False, "rows": 1}  # BEGIN was sent


def test_the_database_refuses_a_write_from_a_reads_only_view(tiny_app: Flask):
    client = tiny_app.test_client()
    with pytest.raises(InternalError, match="read-only transaction"):
        client.get("/reads/write")
    assert client.get("/writes/write").json == {"wrote": True}


def test_every_deal_api_route_reads_only(app: Flask):
    # A deal changes only through its workflow: the deal API writes nothing itself.
    deal_routes = [rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/deals")
                   and rule.endpoint.startswith("api_deals.")]
    assert len(deal_routes) > 10
    assert all(getattr(app.view_functions[endpoint], "reads_only", False) for endpoint in deal_routes)
