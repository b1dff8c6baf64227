"""Stripe adapter: the gateway over `stripe.StripeClient`, its errors, and webhook parsing.

Runtime code talks to Stripe only through this package. Locally it talks to the project's
Stripe-compatible server (devstack.stripe_server), in production to Stripe itself.
"""

from integrations.stripe.errors import (
    InvalidWebhook,
    PaymentDeclined,
    StripeGatewayError,
    StripeRejected,
    StripeUnavailable,
)
from integrations.stripe.gateway import (
    ConnectedAccount,
    Customer,
    OnboardingLink,
    PaymentIntent,
    Refund,
    StripeGateway,
    Transfer,
)
from integrations.stripe.webhooks import parse_event

__all__ = [
    "ConnectedAccount", "Customer", "InvalidWebhook", "OnboardingLink", "PaymentDeclined",
    "PaymentIntent", "Refund", "StripeGateway", "StripeGatewayError", "StripeRejected",
    "StripeUnavailable", "Transfer", "parse_event",
]
