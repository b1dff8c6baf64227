"""The real stack exactly as `make run` starts it (in a temporary directory, on free ports)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.api_client import ApiClient
from devstack.run import LocalStack, isolated_stack


@pytest.fixture(scope="session")
def running_stack() -> Iterator[LocalStack]:
    with isolated_stack("e2e", seed_demo=True) as stack:
        yield stack


@pytest.fixture(scope="session")
def api(running_stack: LocalStack) -> ApiClient:
    return ApiClient(running_stack.url)
