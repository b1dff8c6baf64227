"""API: my notifications, my credit balance with its statement, and my payout account."""

from __future__ import annotations

from flask import abort, url_for
from marshmallow import Schema, fields

from integrations.db import queries
from web.account.inbox import mark_read
from web.account.payouts import check_onboarding, payout_status, start_onboarding
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import CreditAccountOut, InboxOut, NotificationOut
from web.db import db

blp = ApiBlueprint("api_account", __name__, description="Notifications and credit balance")


@blp.route("/notifications", methods=["GET"])
@api_member
@blp.response(200, InboxOut)
def notifications():
    """Newest first, with the number still unread."""
    business_id = api_user().business_id
    return {"unread": queries.unread_count(db(), business_id), "items": queries.inbox(db(), business_id)}


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@api_member
@blp.response(200, NotificationOut)
def read(notification_id: int):
    business_id = api_user().business_id
    if not mark_read(db(), business_id, notification_id):
        abort(404)
    return queries.notification(db(), business_id, notification_id)


@blp.route("/balance", methods=["GET"])
@api_member
@blp.response(200, CreditAccountOut)
def balance():
    """Balance (posted, holds, credit line, available) and the statement with running balance."""
    account = queries.balance_and_statement(db(), api_user().business_id)
    if account is None:
        abort(404)
    return account


class PayoutsOut(Schema):
    started = fields.Boolean()
    ready = fields.Boolean()
    status = fields.String(attribute="label")
    onboarding_url = fields.String(allow_none=True)


@blp.route("/payouts", methods=["GET"])
@api_member
@blp.response(200, PayoutsOut)
def payouts():
    """Whether cash from deals can be paid to my Stripe account (asks Stripe again)."""
    status = check_onboarding(db(), api_user().business_id)
    return {"started": status.started, "ready": status.ready, "label": status.label, "onboarding_url": None}


@blp.route("/payouts", methods=["POST"])
@api_member
@blp.response(200, PayoutsOut)
def set_up_payouts():
    """A fresh Stripe onboarding link for my payout account (created on first use)."""
    me = api_user()
    url = start_onboarding(db(), me.business_id, me.email, url_for("account.payouts_return", _external=True),
                           url_for("account.payouts", _external=True))
    status = payout_status(db(), me.business_id)
    return {"started": status.started, "ready": status.ready, "label": status.label, "onboarding_url": url}
