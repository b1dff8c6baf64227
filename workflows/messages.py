"""The dataclasses that cross the workflow boundary: one in, one out, for each message.

The web imports only this module (and `names`) from workflows/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.cash import CashKind, CashMovement
from domain.deal import Deal
from domain.dispute_policy import DisputePolicy
from domain.fees import FeeRule
from domain.stages import Action, Stage
from domain.steps import Step
from domain.terms import DealTerms
from domain.timers import TimerPolicy


@dataclass(frozen=True)
class DealInput:
    deal_id: str
    buyer_id: int
    seller_id: int
    proposer_id: int
    terms: DealTerms
    policy: TimerPolicy | None = None
    fee_rule: FeeRule | None = None
    dispute_policy: DisputePolicy | None = None  # None: the platform's (domain/dispute_policy.py)
    # Set by starters that know the lean command sequence (the web): the workflow then needs no
    # `workflow.patched` marker to choose it (see workflows/deal.py, LEAN_COMMANDS_PATCH).
    lean_commands: bool = False


@dataclass(frozen=True)
class ReviewInput:
    quality: int
    timeliness: int
    communication: int
    comment: str = ""


@dataclass(frozen=True)
class DealCommand:
    """A party's action; the fields beyond `action` are used by the actions that need them."""

    action: Action
    actor_business_id: int
    actor_user_id: int
    note: str = ""
    terms: DealTerms | None = None
    new_delivery_due_at: dt.datetime | None = None
    review: ReviewInput | None = None
    payment_method: str = ""  # funding a cash leg: the Stripe PaymentMethod to charge


@dataclass(frozen=True)
class DealReply:
    deal_id: str
    stage: Stage
    version: int
    summary: str


@dataclass(frozen=True)
class DealResult:
    deal_id: str
    stage: Stage
    version: int


@dataclass(frozen=True)
class StepRecord:
    """Input of the one activity per step: the state after it, and what happened."""

    deal: Deal
    step: Step


@dataclass(frozen=True)
class StepReceipt:
    deal_id: str
    seq: int
    replayed: bool


@dataclass(frozen=True)
class StripeEventSignal:
    """A verified Stripe webhook event that changed one of the deal's cash movements."""

    event_id: str
    movement_key: str
    kind: CashKind
    status: str


@dataclass(frozen=True)
class CashCall:
    """Input of the Stripe activity: one movement; a charge names the card and its attempt
    (a declined card may be retried, and each attempt needs its own Stripe idempotency key)."""

    movement: CashMovement
    payment_method: str = ""
    attempt: int = 1


@dataclass(frozen=True)
class PayoutRetry:
    """Finance asks to send a payout Stripe refused again."""

    movement_key: str
    requested_by: int  # the finance user


@dataclass(frozen=True)
class PayoutRetried:
    movement_key: str
    succeeded: bool
    stripe_id: str | None
    message: str


@dataclass(frozen=True)
class ReconciliationRequest:
    """A reconciliation for a period; without one, the 24 hours before it runs (the nightly run)."""

    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    requested_by: int | None = None  # the finance user; None for the schedule


@dataclass(frozen=True)
class ReconciliationJob:
    workflow_id: str
    period_start: dt.datetime
    period_end: dt.datetime
    requested_by: int | None


@dataclass(frozen=True)
class ReconciliationReport:
    run_id: int
    checked: int
    mismatches: int
