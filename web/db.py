"""One database session per request, closed when the request ends.

Reads go through `integrations.db.queries`; the few writes the web owns (members, listings,
tokens, read marks) call `commit()` themselves. Deals are never written here.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

# Every model, so the ORM resolves foreign keys between modules (an adjustment's transfer_id
# names ledger_transfers, whose model no web view imports otherwise) at the first flush.
from integrations.db import models  # noqa: F401
from integrations.db.session import session_factory


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close)


def db() -> Session:
    if "db_session" not in g:
        g.db_session = session_factory(current_app.config["DATABASE_URL"])()
    return g.db_session


def fresh_reads() -> None:
    """Forget what this request read so far: a workflow has just written newer rows."""
    if "db_session" in g:
        g.db_session.rollback()


def _close(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
