"""The real stack exactly as `make run` starts it (in a temporary directory, on free ports)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.api_client import ApiClient
from devstack.ports import free_port
from devstack.run import Supervisor, start_app, start_services
from devstack.seed import seed


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    dev_dir: Path = tmp_path_factory.mktemp("stack")
    ports = {name: free_port() for name in ("temporal", "temporal_ui", "stripe", "smtp", "mail_ui")}
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "TEMPORAL_ADDRESS", "STRIPE_API_BASE", "SMTP_URL")}
    env.update(PORT=str(free_port()), SECRET_KEY="e2e-secret", TRADEPACT_DEV_DIR=str(dev_dir))
    stack = Supervisor()
    try:
        start_services(stack, env, dev_dir=dev_dir, ports=ports)
        from web.auth.passwords import hash_password

        seed(env["DATABASE_URL"], hash_password)
        url = start_app(stack, env, dev_dir=dev_dir)
        env["MAIL_UI"] = f"http://127.0.0.1:{ports['mail_ui']}"
        yield url, env
    finally:
        stack.stop_all()


@pytest.fixture(scope="session")
def api(running_stack) -> ApiClient:
    return ApiClient(running_stack[0])
