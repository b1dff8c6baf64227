"""Inbox, credit balance and payout account pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from integrations.db import queries
from integrations.db.queries.reputation import credit_line_view
from web.account.inbox import mark_all_read, mark_read
from web.account.payouts import check_onboarding, payout_status, start_onboarding
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db

blueprint = Blueprint("account", __name__, template_folder="templates")


@blueprint.get("/inbox")
@member_required
def inbox():
    return render_template("account/inbox.html", notifications=queries.inbox(db(), viewer().business_id))


@blueprint.post("/inbox/<int:notification_id>/read")
@member_required
def read(notification_id: int):
    if not mark_read(db(), viewer().business_id, notification_id):
        abort(404)
    return redirect(url_for("account.inbox"), 303)


@blueprint.post("/inbox/read-all")
@member_required
def read_all():
    count = mark_all_read(db(), viewer().business_id)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for("account.inbox"), 303)


@blueprint.get("/balance")
@member_required
def balance():
    account = queries.balance_and_statement(db(), viewer().business_id)
    if account is None:
        abort(404)
    return render_template("account/balance.html", account=account,
                           credit_line=credit_line_view(db(), viewer().business_id))


@blueprint.get("/account/payouts")
@member_required
def payouts():
    return render_template("account/payouts.html", status=payout_status(db(), viewer().business_id),
                           onboarding_url=None)


@blueprint.post("/account/payouts")
@member_required
def set_up_payouts():
    """Creates the Stripe account on first use and a fresh onboarding link (they expire fast).
    The link is shown, not redirected to: the form-action CSP keeps form posts on this site."""
    me = viewer()
    url = start_onboarding(db(), me.business_id, me.email,
                           url_for("account.payouts_return", _external=True),
                           url_for("account.payouts", _external=True))
    return render_template("account/payouts.html", status=payout_status(db(), me.business_id), onboarding_url=url)


@blueprint.get("/account/payouts/return")
@member_required
def payouts_return():
    status = check_onboarding(db(), viewer().business_id)
    flash("Your payout account is ready." if status.ready else "Stripe still needs details: continue the set-up.",
          "success" if status.ready else "error")
    return redirect(url_for("account.payouts"), 303)


from web.account import notification_settings, saved_searches  # noqa: E402,F401  (their routes join this blueprint)
