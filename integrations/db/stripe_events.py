"""What a verified Stripe event changes in the platform's record of its Stripe calls.

Stripe delivers events at least once and in any order, so each is handled once (its id is
stored with the outcome) and a movement's status only moves forward: a late
`payment_intent.created` cannot undo the `succeeded` that arrived before it.
"""

from __future__ import annotations

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


def apply_event(session: Session, event: dict[str, Any]) -> str:
    """Handle one verified event; the answer says what happened (logged, and stored with the id)."""
    kind = str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    object_id = obj.get("id") if isinstance(obj, dict) else None
    outcome = _outcome(session, kind, obj, object_id)
    if not first_time_seen(session, str(event["id"]), kind, object_id, outcome):
        session.rollback()  # the first delivery already had its effect
        return "duplicate"
    return outcome


def _outcome(session: Session, kind: str, obj: dict[str, Any], object_id: str | None) -> str:
    if kind not in STATUS_OF:
        return "ignored: not an event the platform acts on"
    status = STATUS_OF[kind] or obj.get("status")
    if kind == "refund.updated" and status == "failed":
        status = "failed"
    found = session.scalars(select(StripeMovement).where(StripeMovement.stripe_id == object_id)
                            .with_for_update()).first() if object_id else None
    if found is None:
        return "ignored: no deal made this Stripe object"
    if status not in RANK or RANK[status] <= RANK.get(found.status, 0):
        return f"unchanged: {found.key} is already {found.status}"
    found.status, found.updated_at = status, func.now()
    return f"{found.key} is now {status}"
