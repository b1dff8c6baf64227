"""Finance's retry of a payout Stripe refused: one Stripe transfer at most, whatever happens.

Three guards keep the money moving once:
- only a payout whose row says `failed` is sent; the row is locked for the whole attempt, so
  two retries of one payout run one after the other and the second finds it sent;
- each finance retry is its own Stripe call under a new idempotency key (`{key}:retry-{n}`,
  since Stripe may replay a stored refusal for the old one), but the count `n` is written in
  the same transaction as Stripe's answer: a crash after Stripe answered rolls the count back,
  and the activity's retry asks Stripe again under the same key, which replays that transfer;
- before sending, Stripe is asked whether a transfer for this movement already exists (the
  platform's log may have lost a success): if so it is adopted, not paid again.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cash import paid_charge, payout_destination, transfer_group
from domain.cash import CashKind, movement_key
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import StripeMovement
from integrations.stripe import StripeGateway, StripeRejected
from workflows.messages import PayoutRetried, PayoutRetry
from workflows.names import RETRY_PAYOUT_ACTIVITY

NOT_READY = "the seller has not finished setting up Stripe payouts"


class PayoutRetries:
    def __init__(self, database_url: str, gateway: StripeGateway) -> None:
        self._database_url = database_url
        self._stripe = gateway

    @activity.defn(name=RETRY_PAYOUT_ACTIVITY)
    def retry_payout(self, retry: PayoutRetry) -> PayoutRetried:
        with unit_of_work(self._database_url) as session:
            row = session.get(StripeMovement, retry.movement_key, with_for_update=True)
            if row is None or row.kind != CashKind.PAYOUT.value:
                return PayoutRetried(retry.movement_key, False, None, "no such payout")
            if row.status != "failed":
                return PayoutRetried(row.key, False, row.stripe_id, f"this payout has already been sent ({row.status})")
            row.retries, row.retried_by = row.retries + 1, retry.requested_by
            row.retried_at = row.updated_at = func.now()
            return self._send(session, row)

    def _send(self, session: Session, row: StripeMovement) -> PayoutRetried:
        group = transfer_group(row.deal_id)
        existing = self._stripe.find_transfer(group, row.key)
        if existing is not None:
            row.status, row.stripe_id, row.failure = "succeeded", existing.id, None
            return PayoutRetried(row.key, True, existing.id, f"Stripe had already sent it as {existing.id}")
        destination = payout_destination(session, row.business_id)
        if destination is None:
            row.failure = NOT_READY
            return PayoutRetried(row.key, False, None, NOT_READY)
        try:
            _intent, charge = paid_charge(session, movement_key(row.deal_id, "fund", row.currency))
        except ApplicationError as missing:  # an answer, not a failed workflow: finance must see why
            row.failure = missing.message
            return PayoutRetried(row.key, False, None, missing.message)
        try:
            transfer = self._stripe.create_transfer(
                row.amount_minor, row.currency, destination, group, charge, f"{row.key}:retry-{row.retries}",
                metadata={"deal_id": row.deal_id, "key": row.key})
        except StripeRejected as rejected:
            row.failure = rejected.message
            return PayoutRetried(row.key, False, None, f"Stripe refused it again: {rejected.message}")
        row.status, row.stripe_id, row.charge_id, row.failure = "succeeded", transfer.id, charge, None
        return PayoutRetried(row.key, True, transfer.id, f"sent to the seller as {transfer.id}")
