"""Verifying and parsing incoming Stripe webhooks.

Stripe signs `f"{t}.{payload}"` with HMAC-SHA256 under the endpoint's secret and sends
`Stripe-Signature: t=<unix time>,v1=<hex>`. The timestamp check (tolerance) stops an attacker
from replaying an old, validly signed event; the event id still has to be deduplicated by the
receiver, because Stripe itself delivers an event more than once.
"""

from __future__ import annotations

import json
from typing import Any

from stripe import SignatureVerificationError, WebhookSignature

from integrations.stripe.errors import InvalidWebhook

DEFAULT_TOLERANCE_SECONDS = 300


def parse_event(payload: bytes, sig_header: str | None, secret: str,
                tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> dict[str, Any]:
    """The event as a plain dict, after checking its signature and age; else `InvalidWebhook`.

    `payload` must be the raw request body: the signature covers its exact bytes, so a body
    that was parsed and re-serialised will not verify.
    """
    try:
        WebhookSignature.verify_header(payload, sig_header, secret, tolerance)
    except SignatureVerificationError as error:
        raise InvalidWebhook(str(error)) from error
    except UnicodeDecodeError as error:
        raise InvalidWebhook("payload is not UTF-8") from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise InvalidWebhook("payload is not JSON") from error
    if not isinstance(event, dict) or event.get("object") != "event" or not event.get("id"):
        raise InvalidWebhook("payload is not a Stripe event")
    return event
