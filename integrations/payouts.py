"""A business's Stripe payout account (Connect): created once, onboarded through Stripe's link,
and marked ready when Stripe says payouts are enabled. Cash reaches a seller only through it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.stripe_records import StripeAccount, stripe_account
from integrations.stripe import StripeGateway


def onboarding_url(session: Session, stripe: StripeGateway, business_id: int, email: str,
                   return_url: str, refresh_url: str) -> str:
    """Where the business finishes its Stripe payout set-up (the account is created on first use)."""
    account = stripe_account(session, business_id)
    if account.connected_account_id is None:
        created = stripe.create_connected_account(email, business_id, f"business:{business_id}:connect")
        account.connected_account_id = created.id
        session.flush()
    return stripe.create_onboarding_link(account.connected_account_id, refresh_url, return_url).url


def refresh_payouts(session: Session, stripe: StripeGateway, business_id: int) -> bool:
    """Ask Stripe whether the account can receive payouts now; remember the answer."""
    account = stripe_account(session, business_id)
    if account.connected_account_id is None:
        return False
    account.payouts_enabled = stripe.retrieve_account(account.connected_account_id).payouts_enabled
    return account.payouts_enabled


def payouts_ready(session: Session, business_id: int) -> bool:
    """A plain read (no row created, nothing locked): the web asks it before a deal action, on
    connections that may not write; a business without a row has no payout account yet."""
    account = session.execute(select(StripeAccount.connected_account_id, StripeAccount.payouts_enabled)
                              .where(StripeAccount.business_id == business_id)).first()
    return account is not None and bool(account.connected_account_id and account.payouts_enabled)
