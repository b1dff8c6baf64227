"""A real local Stripe server (devstack.stripe_server, a subprocess on a free port) per module.

Each module gets its own server and temporary state, so fault injection or a data reset in one
module cannot leak into another. The start helper itself is
`devstack.stripe_server.running_stripe_server`, reusable by a session-wide conftest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import requests
import stripe

from devstack.stripe_server import LocalStripe, running_stripe_server
from integrations.stripe import StripeGateway

API_KEY = "sk_test_tradepact_tests"


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    state_dir = tmp_path_factory.mktemp("stripe")
    with running_stripe_server(state_dir / "state.pickle", log_path=state_dir / "stripe.log") as server:
        yield server


@pytest.fixture
def gateway(stripe_server: LocalStripe) -> StripeGateway:
    return StripeGateway(API_KEY, stripe_server.base_url, timeout=10)


@pytest.fixture
def stripe_client(stripe_server: LocalStripe) -> stripe.StripeClient:
    """The raw SDK, for counting on the server what the gateway created."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": stripe_server.base_url},
                               max_network_retries=0)


@pytest.fixture
def key() -> Callable[[str], str]:
    """Idempotency keys unique to the test, shaped like the deal-and-step keys callers derive."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    return lambda step: f"{prefix}:{step}"


@pytest.fixture
def faults(stripe_server: LocalStripe) -> Iterator[Callable[..., None]]:
    """Inject faults into the server's next matching requests; cleared after the test."""
    url = f"{stripe_server.base_url}/_config/faults"

    def inject(path_prefix: str, mode: str, status: int = 500, count: int = 1) -> None:
        answer = requests.post(url, json={"path_prefix": path_prefix, "mode": mode,
                                          "status": status, "count": count}, timeout=5)
        answer.raise_for_status()

    yield inject
    requests.delete(url, timeout=5).raise_for_status()


@pytest.fixture
def onboarded_account(gateway: StripeGateway, key: Callable[[str], str]) -> str:
    """A connected account whose onboarding link has been visited, as a seller's would be."""
    account = gateway.create_connected_account("seller@example.test", 7, key("account"))
    link = gateway.create_onboarding_link(account.id, "http://127.0.0.1:5000/refresh",
                                          "http://127.0.0.1:5000/return")
    requests.get(link.url, allow_redirects=False, timeout=5).raise_for_status()
    return account.id
