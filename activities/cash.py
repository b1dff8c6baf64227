"""The one activity that calls Stripe for a deal: charge a card, pay a seller out, refund.

Each call carries the movement's idempotency key, and its answer is stored under that key
before the activity returns, so the workflow records the step only after Stripe's object id is
safe in the database; a retry after any crash reaches the same Stripe object. Stripe being
down or slow is raised as-is (Temporal retries it); a declined card or a refused payout is a
non-retryable refusal with Stripe's reason.
"""

from __future__ import annotations

from sqlalchemy import func, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.cash import CashKind, CashMovement, CashReceipt, movement_key
from domain.errors import PaymentDeclined, PayoutsNotReady
from domain.money import Money
from integrations.db.app_models import Business, User
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import StripeMovement, movement, record_movement, stripe_account
from integrations.stripe import PaymentDeclined as CardDeclined
from integrations.stripe import StripeGateway, StripeRejected
from workflows.messages import CashCall, PayoutRetried, PayoutRetry
from workflows.names import MOVE_CASH_ACTIVITY, RETRY_PAYOUT_ACTIVITY


def transfer_group(deal_id: str) -> str:
    return f"deal-{deal_id}"


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

    @activity.defn(name=RETRY_PAYOUT_ACTIVITY)
    def retry_payout(self, retry: PayoutRetry) -> PayoutRetried:
        """Send a refused payout again, under a new Stripe key per finance retry (Stripe may
        replay a stored refusal for the old key). The retry count is read and written in the
        row's own lock, so a crash after Stripe answered retries the same key: one transfer."""
        with unit_of_work(self._database_url) as session:
            row = session.get(StripeMovement, retry.movement_key, with_for_update=True)
            if row is None or row.kind != CashKind.PAYOUT.value:
                return PayoutRetried(retry.movement_key, False, None, "no such payout")
            if row.status == "succeeded":
                return PayoutRetried(row.key, False, row.stripe_id, "this payout has already been sent")
            m = CashMovement(CashKind.PAYOUT, row.key, Money(row.amount_minor, row.currency), row.business_id,
                             row.deal_id, payment_key=movement_key(row.deal_id, "fund", row.currency))
            attempt = row.retries + 1
            row.retried_by, row.retried_at, row.retries = retry.requested_by, func.now(), attempt
            destination = self._destination(session, m.business_id)
            if destination is None:
                row.failure = "the seller has not finished setting up Stripe payouts"
                return PayoutRetried(row.key, False, None, row.failure)
            _intent, charge = self._payment(m)
            try:
                transfer = self._stripe.create_transfer(
                    m.amount.amount_minor, m.amount.currency, destination, transfer_group(m.deal_id), charge,
                    f"{m.key}:retry-{attempt}", metadata={"deal_id": m.deal_id, "key": m.key})
            except StripeRejected as rejected:
                row.failure = rejected.message
                return PayoutRetried(row.key, False, None, f"Stripe refused it again: {rejected.message}")
            row.status, row.stripe_id, row.charge_id, row.failure = "succeeded", transfer.id, charge, None
            return PayoutRetried(row.key, True, transfer.id, f"sent to the seller as {transfer.id}")

    def _destination(self, session, business_id: int) -> str | None:
        account = stripe_account(session, business_id)
        return account.connected_account_id if account.payouts_enabled else None

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

    def _payment(self, m: CashMovement):
        with unit_of_work(self._database_url) as session:
            paid = movement(session, m.payment_key)
            if paid is None or paid.stripe_id is None:
                raise ApplicationError(f"no card payment {m.payment_key} to draw on", type="stripe_rejected",
                                       non_retryable=True)
            return paid.stripe_id, paid.charge_id

    def _payout(self, m: CashMovement) -> CashReceipt:
        with unit_of_work(self._database_url) as session:
            destination = self._destination(session, m.business_id)
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
