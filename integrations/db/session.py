"""Engines and units of work over SQLAlchemy 2 + psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One pooled engine per URL and process.

    No pre-ping: it costs a round trip per transaction, and a connection lost to a database
    restart fails that one transaction, which activities retry and the web answers with 503.
    """
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


@lru_cache(maxsize=8)
def read_only_engine_for(url: str) -> Engine:
    """A pool for reads that need no transaction of their own: each statement is its own.

    Under READ COMMITTED (the default, which the other engines keep) every statement already
    reads its own snapshot, so a multi-statement read gains nothing from a transaction, while
    BEGIN and the ROLLBACK that ends it are two round trips per request, both sides paying CPU.
    The server refuses any write on these connections (`default_transaction_read_only`), so a
    write that slips into a view served from here fails loudly instead of committing piecemeal.
    """
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800, isolation_level="AUTOCOMMIT",
                         connect_args={"options": "-c default_transaction_read_only=on"})


@lru_cache(maxsize=8)
def read_only_session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(read_only_engine_for(url), expire_on_commit=False)


@contextmanager
def unit_of_work(url: str) -> Iterator[Session]:
    """A transaction that commits only if the block finishes; anything raised rolls it back."""
    session = session_factory(url)()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
