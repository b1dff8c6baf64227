"""A throwaway, migrated database beside the test session's, for a benchmark run small."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import make_url

from integrations.db.migrate import upgrade


@contextmanager
def a_migrated_database(database_url: str, prefix: str) -> Iterator[str]:
    url = make_url(database_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conninfo = {"host": url.query.get("host") or url.host, "port": url.port or 5432,
                "user": url.username or "postgres", "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**conninfo) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        bench_url = url.set(database=name).render_as_string(hide_password=False)
        upgrade(bench_url)
        yield bench_url
    finally:
        with psycopg.connect(**conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
