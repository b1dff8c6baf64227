"""Inbox and credit balance pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from integrations.db import queries
from web.account.inbox import mark_all_read, mark_read
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
    return render_template("account/balance.html", account=account)
