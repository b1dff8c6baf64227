"""Deal ids derived from the proposing business and its request id.

The proposal form carries a request id generated when it was rendered (the API takes it from
the body or the `Idempotency-Key` header), so a double submit derives the same deal id and
reaches the same deal workflow instead of opening a second deal.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-5e7f-9a1b-2c3d4e5f6a7b")


def deal_id_for(business_id: int, request_id: str) -> str:
    return uuid.uuid5(NAMESPACE, f"{business_id}:{request_id}").hex[:20]


def new_request_id() -> str:
    return uuid.uuid4().hex
