"""API: my notifications and my credit balance with its statement."""

from __future__ import annotations

from flask import abort

from integrations.db import queries
from web.account.inbox import mark_read
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
