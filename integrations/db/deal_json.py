"""The domain `Deal` as JSON for the read model, with the same converter Temporal uses.

Using Temporal's converter keeps one encoding for the workflow history and the read model,
so the web can rebuild the exact `Deal` and ask the domain what a viewer may do.
"""

from __future__ import annotations

from typing import Any

from domain.deal import Deal
from integrations.payload_converter import from_json_value, to_json_text, to_json_value


def deal_to_json(deal: Deal) -> dict[str, Any]:
    return to_json_value(deal)


def deal_to_json_text(deal: Deal) -> str:
    """The same JSON as text, encoded once (the deal step writes it with a plain statement)."""
    return to_json_text(deal)


def deal_from_json(state: dict[str, Any]) -> Deal:
    return from_json_value(Deal, state)
