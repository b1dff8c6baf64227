"""What a verified Stripe event changes in the platform's record of its Stripe calls.

Stripe delivers events at least once and in any order, so each is handled once (its id is
stored with the outcome) and a movement's status only moves forward: a late
`payment_intent.created` cannot undo the `succeeded` that arrived before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integrations.db.stripe_records import StripeMovement, first_time_seen

# event type -> the status it reports for the Stripe object it names
STATUS_OF = {
    "payment_intent.created": "pending",
    "payment_intent.processing": "pending",
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "transfer.created": "succeeded",
    "transfer.reversed": "reversed",
    "refund.created": "succeeded",
    "refund.updated": None,  # carries its own status
    "refund.failed": "failed",
}
RANK = {"pending": 0, "failed": 1, "succeeded": 2, "refunded": 3, "reversed": 3}


@dataclass(frozen=True)
class EventOutcome:
    """What one event did; `changed` is the movement whose status it moved, for the deal's Signal."""

    text: str
    changed: StripeMovement | None = None


def apply_event(session: Session, event: dict[str, Any]) -> EventOutcome:
    """Handle one verified event (not committed: the caller commits once the deal has heard)."""
    kind = str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    object_id = obj.get("id") if isinstance(obj, dict) else None
    outcome = _outcome(session, kind, obj, object_id)
    if not first_time_seen(session, str(event["id"]), kind, object_id, outcome.text):
        session.rollback()  # the first delivery already had its effect
        return EventOutcome("duplicate")
    return outcome


def _outcome(session: Session, kind: str, obj: dict[str, Any], object_id: str | None) -> EventOutcome:
    if kind not in STATUS_OF:
        return EventOutcome("ignored: not an event the platform acts on")
    status = STATUS_OF[kind] or obj.get("status")
    if kind == "refund.updated" and status == "failed":
        status = "failed"
    found = session.scalars(select(StripeMovement).where(StripeMovement.stripe_id == object_id)
                            .with_for_update()).first() if object_id else None
    if found is None:
        return EventOutcome("ignored: no deal made this Stripe object")
    if status not in RANK or RANK[status] <= RANK.get(found.status, 0):
        return EventOutcome(f"unchanged: {found.key} is already {found.status}")
    found.status, found.updated_at = status, func.now()
    return EventOutcome(f"{found.key} is now {status}", found)
