"""The dataclasses that cross the SubscriptionWorkflow's boundary: one in, one out, per message.

The web imports only this module (and `names`) for subscriptions. The sandbox passes it
through (workflows.worker.WORKFLOW_RUNNER), so its classes are the same on both sides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.plans import PRO, BillingPolicy, Change, Subscription

DEFAULT_CARD = "pm_card_visa"


@dataclass(frozen=True)
class SubscriptionInput:
    """Opens a subscription to `plan_code`; after continue-as-new, `subscription` is the period
    to charge next and the other fields are as the first run had them."""

    business_id: int
    plan_code: str = PRO
    payment_method: str = DEFAULT_CARD
    policy: BillingPolicy | None = None  # None: calendar months, retries after 1, 3 and 7 days
    subscription: Subscription | None = None


@dataclass(frozen=True)
class SubscriptionResult:
    business_id: int
    status: str  # cancelled | downgraded | not_started (the first payment failed)
    message: str


@dataclass(frozen=True)
class PlanChoice:
    """The `change_plan` Update: subscribe (with start), take back a cancellation, switch plan
    from the next period, or pay with another card from the next attempt."""

    plan_code: str
    payment_method: str = ""
    requested_by: int = 0  # the user; kept in the workflow's history, the subscription's audit trail


@dataclass(frozen=True)
class CancelRequest:
    """The `cancel` Update: keep the plan until the paid period ends, then Free."""

    requested_by: int = 0


@dataclass(frozen=True)
class SubscriptionReply:
    business_id: int
    plan_code: str
    status: str
    cancel_at_period_end: bool
    current_period_end: dt.datetime
    next_charge_at: dt.datetime | None
    summary: str


@dataclass(frozen=True)
class PlanLookup:
    code: str


@dataclass(frozen=True)
class ChargeOutcome:
    """Stripe's answer to one attempt, as stored under its key; a decline is an answer, not an error."""

    key: str
    succeeded: bool
    payment_intent_id: str | None
    failure: str = ""


@dataclass(frozen=True)
class SubscriptionRecord:
    change: Change
    at: dt.datetime
    workflow_id: str


@dataclass(frozen=True)
class SubscriptionRecorded:
    key: str
