"""The one activity that calls Stripe for a deal: charge a card, pay a seller out, refund.

Each call carries the movement's idempotency key, and its answer is stored under that key
before the activity returns, so the workflow records the step only after Stripe's object id is
safe in the database; a retry after any crash reaches the same Stripe object. Stripe being
down or slow is raised as-is (Temporal retries it); a declined card or a refused payout is a
non-retryable refusal with Stripe's reason.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.cash import CashKind, CashMovement, CashReceipt
from domain.errors import PaymentDeclined, PayoutsNotReady
from integrations.db.app_models import Business, User
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import movement, record_movement, stripe_account
from integrations.stripe import PaymentDeclined as CardDeclined
from integrations.stripe import StripeGateway, StripeRejected
from workflows.messages import CashCall
from workflows.names import MOVE_CASH_ACTIVITY


def transfer_group(deal_id: str) -> str:
    return f"deal-{deal_id}"


def payout_destination(session: Session, business_id: int) -> str | None:
    """The business's connected account, if Stripe lets it receive payouts."""
    account = stripe_account(session, business_id)
    return account.connected_account_id if account.payouts_enabled else None


def paid_charge(session: Session, payment_key: str) -> tuple[str, str | None]:
    """The deal's card payment a payout or refund draws on: (PaymentIntent id, its charge id)."""
    paid = movement(session, payment_key)
    if paid is None or paid.stripe_id is None:
        raise ApplicationError(f"no card payment {payment_key} to draw on", type="stripe_rejected",
                               non_retryable=True)
    return paid.stripe_id, paid.charge_id


class CashSteps:
    def __init__(self, database_url: str, gateway: StripeGateway) -> None:
        self._database_url = database_url
        self._stripe = gateway

    @activity.defn(name=MOVE_CASH_ACTIVITY)
    def move_cash(self, call: CashCall) -> CashReceipt:
        m = call.movement
        try:
            match m.kind:
                case CashKind.CHARGE:
                    return self._charge(m, call.payment_method, call.attempt)
                case CashKind.PAYOUT:
                    return self._payout(m)
                case CashKind.REFUND:
                    return self._refund(m)
        except CardDeclined as declined:
            self._remember(m, None, None, "failed", declined.message)
            error = PaymentDeclined(f"your card was declined: {declined.message}")
            raise ApplicationError(error.message, type=error.code, non_retryable=True) from declined
        except StripeRejected as rejected:
            self._remember(m, None, None, "failed", rejected.message)
            raise ApplicationError(f"Stripe refused the {m.kind.value}: {rejected.message}",
                                   type="stripe_rejected", non_retryable=True) from rejected
        raise ValueError(f"unknown cash movement {m.kind}")

    def _remember(self, m: CashMovement, stripe_id: str | None, charge_id: str | None, status: str,
                  failure: str | None = None) -> None:
        with unit_of_work(self._database_url) as session:
            record_movement(session, key=m.key, deal_id=m.deal_id, kind=m.kind.value, business_id=m.business_id,
                            amount_minor=m.amount.amount_minor, currency=m.amount.currency,
                            stripe_id=stripe_id, charge_id=charge_id, status=status, failure=failure)

    def _customer(self, business_id: int) -> str:
        with unit_of_work(self._database_url) as session:
            account = stripe_account(session, business_id)
            if account.customer_id:
                return account.customer_id
            name, email = session.execute(
                select(Business.name, User.email).join(User, User.business_id == Business.id)
                .where(Business.id == business_id).order_by(User.id).limit(1)).one()
            customer = self._stripe.create_customer(email, name, business_id, f"business:{business_id}:customer")
            account.customer_id = customer.id
            return customer.id

    def _charge(self, m: CashMovement, payment_method: str, attempt: int) -> CashReceipt:
        intent = self._stripe.create_payment_intent(
            m.amount.amount_minor, m.amount.currency, self._customer(m.business_id), transfer_group(m.deal_id),
            {"deal_id": m.deal_id, "key": m.key}, f"{m.key}:attempt-{attempt}",
            payment_method=payment_method or "pm_card_visa")
        if not intent.succeeded:
            self._remember(m, intent.id, intent.latest_charge_id, "failed", f"payment {intent.status}")
            raise CardDeclined(f"the payment is {intent.status.replace('_', ' ')}")
        self._remember(m, intent.id, intent.latest_charge_id, "succeeded")
        return CashReceipt(m.key, m.kind, m.amount, intent.id, intent.latest_charge_id)

    def _payment(self, m: CashMovement) -> tuple[str, str | None]:
        with unit_of_work(self._database_url) as session:
            return paid_charge(session, m.payment_key)

    def _payout(self, m: CashMovement) -> CashReceipt:
        with unit_of_work(self._database_url) as session:
            destination = payout_destination(session, m.business_id)
        if destination is None:
            error = PayoutsNotReady("the seller has not finished setting up Stripe payouts")
            self._remember(m, None, None, "failed", error.message)
            raise ApplicationError(error.message, type=error.code, non_retryable=True)
        _intent, charge = self._payment(m)
        transfer = self._stripe.create_transfer(
            m.amount.amount_minor, m.amount.currency, destination, transfer_group(m.deal_id), charge, m.key,
            metadata={"deal_id": m.deal_id, "key": m.key})
        self._remember(m, transfer.id, charge, "succeeded")
        return CashReceipt(m.key, m.kind, m.amount, transfer.id, charge)

    def _refund(self, m: CashMovement) -> CashReceipt:
        intent, charge = self._payment(m)
        refund = self._stripe.create_refund(intent, m.amount.amount_minor, m.key,
                                            metadata={"deal_id": m.deal_id, "key": m.key})
        self._remember(m, refund.id, charge, "succeeded")
        return CashReceipt(m.key, m.kind, m.amount, refund.id, charge)
