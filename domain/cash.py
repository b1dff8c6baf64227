"""Cash legs: the Stripe calls a deal step needs, and what Stripe answered.

A deal step that moves cash names each Stripe call as a `CashMovement` whose key is derived
from the deal and the step (`deal:{id}:release:EUR`); it is the call's idempotency key, so a
retry after any crash reaches the same Stripe object instead of paying twice. What Stripe
answered comes back as a `CashReceipt`, which the deal keeps for the calls that refer to it
(a refund names the payment, a payout its source charge).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.money import Money


class CashKind(StrEnum):
    CHARGE = "charge"  # the payer's card, captured into the platform's Stripe balance
    PAYOUT = "payout"  # a Connect transfer to the payee's Stripe account
    REFUND = "refund"  # back to the payer's card


@dataclass(frozen=True)
class CashMovement:
    kind: CashKind
    key: str
    amount: Money
    business_id: int  # who pays (charge) or receives (payout, refund)
    deal_id: str
    payment_key: str = ""  # for payouts and refunds: the charge they draw on


@dataclass(frozen=True)
class CashReceipt:
    key: str
    kind: CashKind
    amount: Money
    stripe_id: str  # PaymentIntent, Transfer or Refund id
    charge_id: str | None = None  # a PaymentIntent's charge: the source of payouts from it


def movement_key(deal_id: str, step: str, currency: str) -> str:
    return f"deal:{deal_id}:{step}:{currency}"
