"""Finance's settlements and payouts: every Stripe movement, and the retry of a refused payout.

Its own blueprint under /finance so the retry, which runs a workflow, stays apart from the
read-only pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from domain.errors import AlreadyDone
from integrations.db import queries
from integrations.db.stripe_records import StripeMovement, movement
from web.auth.access import finance_required
from web.auth.identity import viewer
from web.db import db
from web.deal_service import deal_service
from workflows.messages import PayoutRetried, PayoutRetry

blueprint = Blueprint("finance_payouts", __name__, url_prefix="/finance", template_folder="templates")
STATUSES = ("failed", "pending", "succeeded", "refunded", "reversed")
KINDS = ("charge", "payout", "refund")


def retry_payout(movement_key: str, user_id: int) -> PayoutRetried:
    """Shared by the page and the API: 404 for an unknown key, 409 for a payout that is not
    waiting for a retry, else the workflow's answer (sent, or Stripe's reason it was not)."""
    found = movement(db(), movement_key)
    if found is None or found.kind != "payout":
        abort(404)
    if found.status != "failed":
        raise AlreadyDone(_not_waiting(found))
    answer = deal_service().retry_payout(PayoutRetry(movement_key, user_id))
    db().refresh(found)
    if not answer.succeeded and found.status != "failed":
        raise AlreadyDone(_not_waiting(found))  # another retry sent it while this one waited
    return answer


def _not_waiting(found: StripeMovement) -> str:
    return (f"Payout {found.key} is {found.status} ({found.stripe_id}), not waiting for a retry: "
            "sending it again would pay the seller twice.")


@blueprint.app_context_processor
def _failed_payouts():
    return {"failed_payouts": lambda: queries.failed_payouts(db())}


@blueprint.get("/payouts")
@finance_required
def payouts():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    return render_template("finance/payouts.html", movements=queries.cash_movements(db(), status, kind),
                           queue=queries.payout_queue(db()), status=status, kind=kind,
                           statuses=STATUSES, kinds=KINDS)


@blueprint.post("/payouts/<path:movement_key>/retry")
@finance_required
def retry(movement_key: str):
    answer = retry_payout(movement_key, viewer().id)
    flash(f"Payout {answer.movement_key}: {answer.message}.", "success" if answer.succeeded else "error")
    return redirect(url_for("finance_payouts.payouts"), 303)
