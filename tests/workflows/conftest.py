"""Fixtures for workflow tests."""

from __future__ import annotations

import pytest_asyncio
from temporalio.client import Client

from integrations.payload_converter import DATA_CONVERTER


@pytest_asyncio.fixture(scope="session")
async def client(temporal_address: str, deal_worker) -> Client:
    """A client on the tests' own event loop (the worker runs on another loop thread)."""
    return await Client.connect(temporal_address, data_converter=DATA_CONVERTER)
