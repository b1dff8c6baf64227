"""The local Stripe-compatible server: localstripe, extended and made private, on 127.0.0.1.

Run it with `python -m devstack.stripe_server --port 8420 --state .dev/stripe/state.pickle`
(`--from-scratch` ignores saved state). On top of localstripe it adds Connect accounts,
onboarding links and transfers (devstack.stripe_connect), Stripe behaviours localstripe lacks
(devstack.stripe_patches), Idempotency-Key replay and fault injection (devstack.stripe_replay).

localstripe is GPL-licensed and a dev tool: it is imported here, inside the server process
only (the imports are deferred so `make run` and the tests can use the helpers below without
loading it), and never by runtime code (integrations/, web/, activities/, workflows/, domain/).

localstripe pickles its whole store to /tmp/localstripe.pickle, shared by every user of the
machine, after every write. Here the store's load and dump are replaced on the instance: a
dump only marks the state dirty, and writes are coalesced into at most one atomic write per
FLUSH_DELAY_SECONDS to the given path, together with the idempotency records and registered
webhooks, so a restart keeps them all. SIGTERM and SIGINT write the last changes on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pickle
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devstack.ports import free_port

HOST = "127.0.0.1"
DEFAULT_PORT = 8420
PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATE_VERSION = 1
# A hard kill (SIGKILL) loses at most this much; SIGTERM and SIGINT flush before exiting.
FLUSH_DELAY_SECONDS = 0.25
log = logging.getLogger("devstack.stripe_server")


class PrivateState:
    """localstripe's store, idempotency records and webhooks, pickled together to one file."""

    def __init__(self, path: Path, store: dict, records: dict, webhooks: dict) -> None:
        self.path = path
        self.dirty = False
        self._timer: asyncio.TimerHandle | None = None
        self._store, self._records, self._webhooks = store, records, webhooks

    def mark_dirty(self) -> None:
        self.dirty = True

    def flush_soon(self) -> None:
        """Coalesce writes: the whole store is pickled each time, which grows with the data."""
        if self.dirty and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_DELAY_SECONDS, self.flush)

    def load(self) -> None:
        if not self.path.exists():
            return
        try:
            with self.path.open("rb") as file:
                saved = pickle.load(file)
            if saved.get("version") != STATE_VERSION:
                raise ValueError(f"version {saved.get('version')!r}, expected {STATE_VERSION}")
            self._store.clear()
            dict.update(self._store, saved["store"])  # dict.update: no dump per item
            self._store.reindex()
            self._records.update(saved["idempotency"])
            self._webhooks.update(saved["webhooks"])
        except (pickle.UnpicklingError, EOFError, ImportError, AttributeError, KeyError,
                TypeError, ValueError) as error:
            raise SystemExit(f"cannot load {self.path} ({error!r}): not a state file of this "
                             "server; remove it or start with --from-scratch") from error
        self.dirty = False

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        saved = {"version": STATE_VERSION, "store": dict(self._store),
                 "idempotency": dict(self._records), "webhooks": dict(self._webhooks)}
        with temporary.open("wb") as file:
            pickle.dump(saved, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, self.path)  # atomic: a crash leaves the old state or the new one
        self.dirty = False


def build_app(state_path: Path, from_scratch: bool = False,
              webhook: tuple[str, str] | None = None):
    """localstripe's aiohttp app with private state and the project's extensions registered."""
    from aiohttp import web
    from localstripe import server
    from localstripe.resources import store
    from localstripe.webhooks import _webhooks, register_webhook

    from devstack import stripe_connect, stripe_patches
    from devstack.stripe_replay import Replay

    stripe_patches.apply()
    app = server.app
    replay = Replay(api_key_of=server.get_api_key, on_change=lambda: state.mark_dirty())
    state = PrivateState(state_path, store, replay.records, _webhooks)
    # Instance attributes shadow the class's methods: localstripe's own calls land here.
    store.try_load_from_disk = state.load
    store.dump_to_disk = state.mark_dirty
    if not from_scratch:
        store.try_load_from_disk()
    if webhook is not None:
        register_webhook("tradepact", webhook[0], webhook[1], None)
        state.mark_dirty()

    @web.middleware
    async def persist(request: web.Request, handler) -> web.StreamResponse:
        try:
            response = await handler(request)
            if request.method == "DELETE" and request.path == "/_config/data":
                replay.clear()  # forgetting the objects forgets what their keys created
                state.mark_dirty()
            return response
        finally:
            state.flush_soon()

    @web.middleware
    async def auth(request: web.Request, handler) -> web.StreamResponse:
        # The onboarding page is opened by a browser, which has no API key.
        if request.path.startswith(stripe_connect.ONBOARDING_PATH):
            return await handler(request)
        return await server.auth_middleware(request, handler)

    app.middlewares[list(app.middlewares).index(server.auth_middleware)] = auth
    for position, middleware in enumerate([persist, *replay.middlewares()]):
        app.middlewares.insert(position, middleware)
    stripe_connect.install(app)
    replay.install(app)

    async def flush_on_exit(_app) -> None:
        state.flush()

    app.on_cleanup.append(flush_on_exit)
    return app


def serve(port: int, state_path: Path, from_scratch: bool = False,
          webhook: tuple[str, str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT; aiohttp then shuts down and the state is flushed."""
    from aiohttp import web

    app = build_app(state_path, from_scratch, webhook)
    log.info("local Stripe on http://%s:%d, state in %s", HOST, port, state_path)
    web.run_app(app, host=HOST, port=port, print=None, shutdown_timeout=5,
                access_log=logging.getLogger("aiohttp.access"),
                access_log_format='%a "%r" %s %b %Tfs')
    log.info("local Stripe stopped")


def main(argv: list[str] | None = None) -> int:
    from integrations.settings import DEV_DIR

    parser = argparse.ArgumentParser(
        prog="python -m devstack.stripe_server",
        description="Local Stripe-compatible server (localstripe + Connect, idempotency keys, "
                    "fault injection) on 127.0.0.1, with private state that survives restarts.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state", type=Path, default=DEV_DIR / "stripe" / "state.pickle")
    parser.add_argument("--from-scratch", action="store_true", help="ignore saved state")
    parser.add_argument("--webhook-url", help="deliver every event to this URL, signed with...")
    parser.add_argument("--webhook-secret", help="...this secret (whsec_...)")
    args = parser.parse_args(argv)
    if bool(args.webhook_url) != bool(args.webhook_secret):
        parser.error("--webhook-url and --webhook-secret go together")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    webhook = (args.webhook_url, args.webhook_secret) if args.webhook_url else None
    serve(args.port, args.state.resolve(), args.from_scratch, webhook)
    return 0


def start_stripe_server(port: int, state_path: Path, *, log_path: Path | None = None,
                        from_scratch: bool = False, webhook_url: str | None = None,
                        webhook_secret: str | None = None) -> subprocess.Popen:
    """Start the server as a child in its own session (Ctrl-C reaches only the supervisor).

    Output goes to `log_path`, by default `stripe.log` next to the state file.
    """
    state_path = Path(state_path).resolve()
    state_path.parent.mkdir(parents=True, exist_ok=True)
    log_path = Path(log_path) if log_path else state_path.parent / "stripe.log"
    args = [sys.executable, "-m", "devstack.stripe_server", "--port", str(port),
            "--state", str(state_path)]
    if from_scratch:
        args.append("--from-scratch")
    if webhook_url and webhook_secret:
        args += ["--webhook-url", webhook_url, "--webhook-secret", webhook_secret]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    with log_path.open("ab") as output:
        return subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)


def wait_until_ready(base_url: str, timeout: float = 30.0,
                     proc: subprocess.Popen | None = None) -> None:
    """Wait for an HTTP answer to GET /v1/balance; fail early if `proc` exits meanwhile."""
    request = urllib.request.Request(base_url.rstrip("/") + "/v1/balance",
                                     headers={"Authorization": "Bearer sk_test_readiness"})
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the local Stripe server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the local Stripe server at {base_url} is not ready after {timeout}s")
        time.sleep(0.1)


def stop_stripe_server(proc: subprocess.Popen, timeout: float = 15.0) -> int:
    """SIGTERM, then wait (the server flushes its state on the way out); kill if it hangs."""
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


@dataclass(frozen=True)
class LocalStripe:
    base_url: str
    port: int
    state_path: Path
    process: subprocess.Popen


@contextmanager
def running_stripe_server(state_path: Path, port: int | None = None, *, log_path: Path | None = None,
                          from_scratch: bool = False, timeout: float = 30.0) -> Iterator[LocalStripe]:
    """A ready server for the block's duration (tests and fixtures); stopped on the way out."""
    port = port or free_port()
    process = start_stripe_server(port, state_path, log_path=log_path, from_scratch=from_scratch)
    try:
        base_url = f"http://{HOST}:{port}"
        wait_until_ready(base_url, timeout, process)
        yield LocalStripe(base_url, port, Path(state_path).resolve(), process)
    finally:
        stop_stripe_server(process)


if __name__ == "__main__":
    sys.exit(main())
