"""What can go wrong when Tradepact talks to Stripe, in the terms its callers act on.

A Temporal activity retries `StripeUnavailable` (the same idempotency key makes the retry safe)
and gives up at once on the others: a declined card or a refused request will not change by
asking again.
"""

from __future__ import annotations


class StripeGatewayError(Exception):
    """Base of every error the Stripe adapter raises."""

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None,
                 request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.request_id = request_id


class StripeUnavailable(StripeGatewayError):
    """Network error, timeout, 5xx, 409 (a concurrent request with the same key) or rate limit.

    The outcome is unknown: the request may or may not have been carried out. Retry with the
    same idempotency key.
    """

    retryable = True


class PaymentDeclined(StripeGatewayError):
    """The card was declined; `message` is Stripe's text, safe to show to the payer."""

    retryable = False

    def __init__(self, message: str, *, decline_code: str | None = None,
                 payment_intent_id: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.decline_code = decline_code
        self.payment_intent_id = payment_intent_id


class StripeRejected(StripeGatewayError):
    """Any other 4xx: invalid parameters, unknown object, idempotency key reused. Not retryable."""

    retryable = False

    def __init__(self, message: str, *, param: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.param = param


class InvalidWebhook(Exception):
    """A webhook whose signature is missing, wrong or too old, or whose body is not an event."""
