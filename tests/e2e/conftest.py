"""The API client for the stack `make run` starts (the `running_stack` fixture is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from devstack.api_client import ApiClient
from devstack.run import LocalStack


@pytest.fixture(scope="session")
def api(running_stack: LocalStack) -> ApiClient:
    return ApiClient(running_stack.url)
