"""The subscription's activities: read a plan, charge one period's attempt, record a change.

A charge is a Stripe PaymentIntent on the member's customer, keyed by the attempt
(`subscription:{business}:{period}:attempt-{n}`). The attempt's row is claimed `pending` before
Stripe is called and Stripe's answer is stored under the key before the activity returns, so a
retry after any crash reaches the same PaymentIntent (Stripe replays the key) or the stored
answer: one payment per attempt. Stripe away is raised as-is for Temporal to retry; a declined
card or a refused request is an answer the workflow acts on (grace period, then Free).
"""

from __future__ import annotations

from sqlalchemy import func, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import InvalidInput
from domain.plans import PeriodCharge, Plan
from integrations.db.app_models import Business, User
from integrations.db.plan_models import SubscriptionCharge
from integrations.db.plans import claim_charge, plan_by_code, record_change
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import stripe_account
from integrations.stripe import PaymentDeclined, StripeGateway, StripeRejected
from workflows.names import CHARGE_SUBSCRIPTION_ACTIVITY, LOAD_PLAN_ACTIVITY, RECORD_SUBSCRIPTION_ACTIVITY
from workflows.subscription_messages import (
    ChargeOutcome,
    PlanLookup,
    SubscriptionRecord,
    SubscriptionRecorded,
)


class SubscriptionSteps:
    def __init__(self, database_url: str, gateway: StripeGateway) -> None:
        self._database_url = database_url
        self._stripe = gateway

    @activity.defn(name=LOAD_PLAN_ACTIVITY)
    def load_plan(self, lookup: PlanLookup) -> Plan:
        with unit_of_work(self._database_url) as session:
            plan = plan_by_code(session, lookup.code)
        if plan is None:
            error = InvalidInput(f"there is no plan {lookup.code!r}", field="plan")
            raise ApplicationError(error.message, type=error.code, non_retryable=True)
        return plan

    @activity.defn(name=CHARGE_SUBSCRIPTION_ACTIVITY)
    def charge(self, charge: PeriodCharge) -> ChargeOutcome:
        with unit_of_work(self._database_url) as session:
            claimed = claim_charge(session, charge)
            if claimed.status != "pending":
                return _outcome(claimed)  # answered before a crash: the stored answer is the answer
        try:
            intent = self._stripe.create_payment_intent(
                charge.amount.amount_minor, charge.amount.currency, self._customer(charge.business_id),
                f"subscription-{charge.business_id}",
                {"business_id": str(charge.business_id), "key": charge.key, "plan": charge.plan_code},
                charge.key, payment_method=charge.payment_method)
        except PaymentDeclined as declined:
            return self._answer(charge.key, "failed", declined.payment_intent_id, None, declined.message)
        except StripeRejected as rejected:
            return self._answer(charge.key, "failed", None, None, f"Stripe refused the payment: {rejected.message}")
        if not intent.succeeded:
            return self._answer(charge.key, "failed", intent.id, intent.latest_charge_id,
                                f"the payment is {intent.status.replace('_', ' ')}")
        return self._answer(charge.key, "succeeded", intent.id, intent.latest_charge_id, None)

    @activity.defn(name=RECORD_SUBSCRIPTION_ACTIVITY)
    def record(self, record: SubscriptionRecord) -> SubscriptionRecorded:
        with unit_of_work(self._database_url) as session:
            record_change(session, record.change, record.at, record.workflow_id)
        return SubscriptionRecorded(record.change.key)

    def _answer(self, key: str, status: str, payment_intent_id: str | None, charge_id: str | None,
                failure: str | None) -> ChargeOutcome:
        with unit_of_work(self._database_url) as session:
            row = session.get(SubscriptionCharge, key, with_for_update=True)
            assert row is not None, "the attempt was claimed before Stripe was called"
            row.status, row.payment_intent_id, row.charge_id = status, payment_intent_id, charge_id
            row.failure, row.updated_at = failure, func.now()
            return _outcome(row)

    def _customer(self, business_id: int) -> str:
        """The business's Stripe customer, created once (the same key as the deals' cash steps use)."""
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


def _outcome(row: SubscriptionCharge) -> ChargeOutcome:
    return ChargeOutcome(row.idempotency_key, row.status == "succeeded", row.payment_intent_id, row.failure or "")
