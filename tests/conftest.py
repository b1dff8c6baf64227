"""Session-wide services for the tests: the same real parts `make run` starts.

Each service starts once per test session in a temporary directory; tests create their own
members and deals (unique names) rather than truncating shared tables.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from temporalio.client import Client

from devstack.ports import free_port
from devstack.postgres import start_postgres, stop_postgres
from devstack.run import LocalStack, isolated_stack
from devstack.stripe_server import LocalStripe, running_stripe_server
from devstack.temporal_server import start_temporal, wait_for_port
from integrations.db.migrate import upgrade
from integrations.db.session import engine_for
from integrations.payload_converter import DATA_CONVERTER
from integrations.settings import Settings


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A migrated database on the embedded PostgreSQL.

    Its data lives outside pytest's temp tree: pytest resets that tree's permissions, and the
    server runs as its own OS user when the tests run as root.
    """
    datadir = Path(tempfile.mkdtemp(prefix="tradepact-test-pg-"))
    server, url = start_postgres(datadir, database="tradepact_test")
    try:
        upgrade(url)
        yield url
    finally:
        engine_for.cache_clear()
        stop_postgres(server)
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(scope="session")
def temporal_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real Temporal dev server binary (in memory, headless) on a free port."""
    port = free_port()
    log = tmp_path_factory.mktemp("temporal") / "temporal.log"
    process = start_temporal(port, ui_port=None, db_file=None, log_path=log)
    try:
        wait_for_port("127.0.0.1", port, timeout=60, proc=process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def local_stripe() -> Iterator[LocalStripe]:
    """The local Stripe-compatible server the worker's cash steps call, over HTTP."""
    state_dir = Path(tempfile.mkdtemp(prefix="tradepact-stripe-"))
    try:
        with running_stripe_server(state_dir / "state.pickle", log_path=state_dir / "stripe.log") as server:
            yield server
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(database_url: str, temporal_address: str, local_stripe: LocalStripe) -> Settings:
    return replace(
        Settings.from_env(), database_url=database_url, temporal_address=temporal_address,
        task_queue="tradepact", stripe_api_base=local_stripe.base_url,
    )


@dataclass
class RunningWorker:
    client: Client
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine):
        """Run a coroutine on the worker's loop from synchronous test code."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)


@pytest.fixture(scope="session")
def deal_worker(settings: Settings) -> Iterator[RunningWorker]:
    """A worker on task queue `tradepact` for the whole session, on its own loop thread."""
    from workflows.worker import build_worker  # imported late: domain tests need none of it

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-worker", daemon=True)
    thread.start()

    executor = ThreadPoolExecutor(max_workers=16)

    async def connect():
        client = await Client.connect(settings.temporal_address, data_converter=DATA_CONVERTER)
        return client, build_worker(client, settings, executor)

    client, worker = asyncio.run_coroutine_threadsafe(connect(), loop).result(timeout=60)
    running = asyncio.run_coroutine_threadsafe(worker.run(), loop)
    try:
        yield RunningWorker(client, loop)
    finally:
        asyncio.run_coroutine_threadsafe(worker.shutdown(), loop).result(timeout=30)
        running.result(timeout=30)
        executor.shutdown()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


E2E_DISPUTE_WINDOWS = "settlement=2,evidence=15,ruling=3600,appeal=2"


@pytest.fixture(scope="session")
def running_stack() -> Iterator[LocalStack]:
    """The real stack exactly as `make run` starts it (temporary directory, free ports), shared by
    the end-to-end and browser tests."""
    # Dispute windows of seconds, not days, so a dispute can be walked to its ruling through the API.
    with isolated_stack("e2e", seed_demo=True, extra_env={"TRADEPACT_DISPUTE_WINDOWS": E2E_DISPUTE_WINDOWS}) as stack:
        yield stack
