"""The domain `Deal` as JSON for the read model, with the same converter Temporal uses.

Using Temporal's converter keeps one encoding for the workflow history and the read model,
so the web can rebuild the exact `Deal` and ask the domain what a viewer may do.
"""

from __future__ import annotations

import json
from typing import Any

from temporalio.converter import DataConverter, value_to_type

from domain.deal import Deal

_converter = DataConverter.default.payload_converter


def deal_to_json(deal: Deal) -> dict[str, Any]:
    return json.loads(_converter.to_payloads([deal])[0].data)


def deal_from_json(state: dict[str, Any]) -> Deal:
    return value_to_type(Deal, state)
