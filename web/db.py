"""One database session per request, closed when the request ends.

Reads go through `integrations.db.queries`; the few writes the web owns (members, listings,
tokens, read marks) call `commit()` themselves. Deals are never written here.

A view marked `reads_only` (the deal API's: a deal changes only through its workflow) gets a
session on the read-only pool, where statements run without BEGIN/ROLLBACK around them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

# Every model, so the ORM resolves foreign keys between modules (an adjustment's transfer_id
# names ledger_transfers, whose model no web view imports otherwise) at the first flush.
from integrations.db import models  # noqa: F401
from integrations.db.session import read_only_session_factory, session_factory

V = TypeVar("V", bound=Callable)


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close)


def reads_only(view: V) -> V:
    """Mark a route's view (the function registered for it) as writing nothing to the database."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def db() -> Session:
    if "db_session" not in g:
        url = current_app.config["DATABASE_URL"]
        g.db_session = (read_only_session_factory(url) if _serving_reads_only() else session_factory(url))()
    return g.db_session


def _serving_reads_only() -> bool:
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), "reads_only", False)


def fresh_reads() -> None:
    """Forget what this request read so far: a workflow has just written newer rows.
    (On the read-only pool there is no transaction to end: only the ORM's loaded objects go.)"""
    if "db_session" in g:
        g.db_session.rollback()


def _close(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
