"""`make run`: start every local service, migrate, seed, serve; Ctrl-C stops everything.

Each service is skipped when its environment variable points elsewhere (DATABASE_URL,
TEMPORAL_ADDRESS, STRIPE_API_BASE, SMTP_URL). Data lives under .dev/ and survives restarts.
Children run in their own sessions so Ctrl-C reaches only this supervisor, which then stops
them in reverse order and waits for each.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack.demo_deals import seed_demo_deals
from devstack.demo_market import seed_demo_market
from devstack.mailsink import start_mailsink
from devstack.mailsink import wait_until_ready as mailsink_ready
from devstack.ports import free_port
from devstack.postgres import start_postgres, stop_postgres
from devstack.seed import DEMO_PASSWORD, seed
from devstack.stripe_server import start_stripe_server
from devstack.stripe_server import wait_until_ready as stripe_ready
from devstack.temporal_server import start_temporal, wait_for_port
from integrations.db.migrate import upgrade
from integrations.settings import DEV_DIR, local_secret_key

SERVICE_VARIABLES = ("DATABASE_URL", "TEMPORAL_ADDRESS", "STRIPE_API_BASE", "SMTP_URL")
PORTS = {"temporal": 7233, "temporal_ui": 8233, "stripe": 8420, "smtp": 1025, "mail_ui": 8025}
RESTARTABLE = ("worker", "web")


@dataclass
class Child:
    name: str
    start: Callable[[], subprocess.Popen]
    process: subprocess.Popen
    restarts: list[float] = field(default_factory=list)


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self.postgres = None  # the embedded server, when this stack started one

    def add(self, name: str, start: Callable[[], subprocess.Popen]) -> subprocess.Popen:
        child = Child(name, start, start())
        self.children.append(child)
        return child.process

    def watch(self) -> None:
        """Restart a crashed worker or web server (at most 5 times a minute); stop on anything else."""
        while not self.stopping.wait(1.0):
            for child in self.children:
                code = child.process.poll()
                if code is None:
                    continue
                now = time.monotonic()
                child.restarts = [t for t in child.restarts if now - t < 60]
                if child.name in RESTARTABLE and len(child.restarts) < 5:
                    say(f"{child.name} exited with {code}; restarting")
                    child.restarts.append(now)
                    child.process = child.start()
                else:
                    say(f"{child.name} exited with {code}; stopping everything")
                    self.stopping.set()

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            say(f"stopped {child.name}")
        if self.postgres is not None:
            stop_postgres(self.postgres)
            self.postgres = None
            say("stopped postgres")


def say(message: str) -> None:
    print(f"[tradepact] {message}", flush=True)


def python_child(module: str, env: dict[str, str], log: Path) -> Callable[[], subprocess.Popen]:
    def start() -> subprocess.Popen:
        out = open(log, "ab")
        return subprocess.Popen([sys.executable, "-m", module], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return start


def start_services(stack: Supervisor, env: dict[str, str], dev_dir: Path = DEV_DIR,
                   ports: dict[str, int] = PORTS) -> None:
    """Start what the environment does not point elsewhere, and put its address into `env`."""
    logs = dev_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if not env.get("DATABASE_URL"):
        stack.postgres, env["DATABASE_URL"] = start_postgres(dev_dir / "postgres")
        say("PostgreSQL (embedded) is up")
    upgrade(env["DATABASE_URL"])
    if not env.get("TEMPORAL_ADDRESS"):
        process = stack.add("temporal", lambda: start_temporal(
            ports["temporal"], ports["temporal_ui"], dev_dir / "temporal" / "temporal.db",
            logs / "temporal.log"))
        wait_for_port("127.0.0.1", ports["temporal"], timeout=60, proc=process)
        env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{ports['temporal']}"
        say(f"Temporal is up (UI http://127.0.0.1:{ports['temporal_ui']})")
    if not env.get("STRIPE_API_BASE"):
        # The local server signs its events with the app's webhook secret and posts them to it.
        env.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_tradepact_local")
        webhook = f"http://127.0.0.1:{env.get('PORT', '5000')}/webhooks/stripe"
        stack.add("stripe", lambda: start_stripe_server(
            ports["stripe"], dev_dir / "stripe" / "state.pickle", webhook_url=webhook,
            webhook_secret=env["STRIPE_WEBHOOK_SECRET"]))
        env["STRIPE_API_BASE"] = f"http://127.0.0.1:{ports['stripe']}"
        stripe_ready(env["STRIPE_API_BASE"], 30)
        say("local Stripe server is up")
    if not env.get("SMTP_URL"):
        stack.add("mail", lambda: start_mailsink(ports["smtp"], ports["mail_ui"], dev_dir / "mail"))
        env["SMTP_URL"] = f"smtp://127.0.0.1:{ports['smtp']}"
        mailsink_ready(ports["smtp"], ports["mail_ui"], 30)
        say(f"mail sink is up (read mail at http://127.0.0.1:{ports['mail_ui']})")
    env.setdefault("SECRET_KEY", local_secret_key())


def start_app(stack: Supervisor, env: dict[str, str], dev_dir: Path = DEV_DIR) -> str:
    """Start the worker and the web app; return the web URL once it listens."""
    logs = dev_dir / "logs"
    stack.add("worker", python_child("workflows.worker", env, logs / "worker.log"))
    web = stack.add("web", python_child("web", env, logs / "web.log"))
    wait_for_port("127.0.0.1", int(env["PORT"]), timeout=60, proc=web)
    return f"http://127.0.0.1:{env['PORT']}"


@dataclass(frozen=True)
class LocalStack:
    url: str
    env: dict[str, str]
    mail_ui: str


@contextmanager
def isolated_stack(prefix: str, seed_demo: bool = False,
                   extra_env: dict[str, str] | None = None) -> Iterator[LocalStack]:
    """The whole `make run` stack in a fresh temporary directory on free ports (tests, benchmarks).

    The data directory is not pytest's: pytest resets its temp tree's permissions, and the
    embedded PostgreSQL runs as its own OS user when started as root.
    """
    dev_dir = Path(tempfile.mkdtemp(prefix=f"tradepact-{prefix}-"))
    ports = {name: free_port() for name in PORTS}
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(PORT=str(free_port()), SECRET_KEY=f"{prefix}-secret", TRADEPACT_DEV_DIR=str(dev_dir))
    env.update(extra_env or {})
    stack = Supervisor()
    try:
        start_services(stack, env, dev_dir=dev_dir, ports=ports)
        if seed_demo:
            from web.auth.passwords import hash_password

            seed(env["DATABASE_URL"], hash_password)
        url = start_app(stack, env, dev_dir=dev_dir)
        if seed_demo:
            seed_demo_deals(url, env["DATABASE_URL"])
            seed_demo_market(url, env["DATABASE_URL"])
        yield LocalStack(url, env, f"http://127.0.0.1:{ports['mail_ui']}")
    finally:
        stack.stop_all()
        shutil.rmtree(dev_dir, ignore_errors=True)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("PORT", "5000")
    stack = Supervisor()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stack.stopping.set())
    try:
        start_services(stack, env)
        from web.auth.passwords import hash_password

        logins = seed(env["DATABASE_URL"], hash_password)
        url = start_app(stack, env)
        try:
            seed_demo_deals(url, env["DATABASE_URL"])
            say("demo deals are in place (credit, cash and hybrid; finance's pages show them)")
        except (RuntimeError, OSError) as error:
            # The app is up and usable without them; say why the demo data is incomplete.
            say(f"demo deals could not be seeded: {error} (see {DEV_DIR / 'logs'})")
        try:
            market = seed_demo_market(url, env["DATABASE_URL"])
            say(f"demo matches are in place, and a barter ring for Ada, Ben and Cleo ({market.ring_status}): /rings")
        except (RuntimeError, OSError) as error:
            say(f"demo matches and ring could not be seeded: {error} (see {DEV_DIR / 'logs'})")
        say(f"Tradepact is running at {url}  (logs in {DEV_DIR / 'logs'}; Ctrl-C stops everything)")
        say(f"demo logins (password: {DEMO_PASSWORD}):")
        for email, role in logins:
            say(f"  {role:<10} {email}")
        stack.watch()
    except (TimeoutError, RuntimeError) as error:
        say(f"could not start: {error}")
        return 1
    finally:
        stack.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
