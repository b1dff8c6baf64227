"""The member's Stripe payout account: status, the onboarding link, and the check on return.

The web calls Stripe here only to set up where a business is paid (no money moves); a timeout
answers 503 "try again" like any dependency being down.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from integrations.db.stripe_records import stripe_account
from integrations.payouts import onboarding_url, refresh_payouts
from integrations.stripe import StripeGateway


@dataclass(frozen=True)
class PayoutStatus:
    started: bool
    ready: bool

    @property
    def label(self) -> str:
        if self.ready:
            return "ready: cash from your deals is paid to your Stripe account"
        if self.started:
            return "set-up not finished: Stripe needs more details before it can pay you"
        return "not set up: you cannot accept cash deals yet"


def stripe_gateway() -> StripeGateway:
    config = current_app.config
    return StripeGateway(config["STRIPE_SECRET_KEY"], config["STRIPE_API_BASE"], timeout=10)


def payout_status(session: Session, business_id: int) -> PayoutStatus:
    account = stripe_account(session, business_id)
    return PayoutStatus(account.connected_account_id is not None,
                        bool(account.connected_account_id and account.payouts_enabled))


def start_onboarding(session: Session, business_id: int, email: str, return_url: str, refresh_url: str) -> str:
    url = onboarding_url(session, stripe_gateway(), business_id, email, return_url, refresh_url)
    session.commit()
    return url


def check_onboarding(session: Session, business_id: int) -> PayoutStatus:
    refresh_payouts(session, stripe_gateway(), business_id)
    session.commit()
    return payout_status(session, business_id)
