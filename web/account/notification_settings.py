"""Account → Notifications: what is emailed, when, and how many a day (routes of the account
blueprint). The rules themselves are domain/notification_policy.py; the outbox applies them."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from integrations.db.notification_preferences import preferences_of, save_preferences
from web.account.notification_inputs import CHANNEL_NAMES, CHOOSABLE, PreferencesForm, as_form_values
from web.account.views import blueprint
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db
from web.errors import form_errors
from web.fields import form_data

KNOWN_FIELDS = ["time_zone", "quiet_start", "quiet_end", "daily_cap", "digest_at",
                *(f"channel_{topic.name}" for topic in CHOOSABLE)]


def _page(values: dict[str, str], errors: dict[str, list[str]], status: int = 200):
    return render_template("account/notifications.html", values=values, errors=errors, topics=CHOOSABLE,
                           channel_names=CHANNEL_NAMES, known=KNOWN_FIELDS), status


@blueprint.get("/account/notifications")
@member_required
def notification_settings():
    return _page(as_form_values(preferences_of(db(), viewer().business_id)), {})


@blueprint.post("/account/notifications")
@member_required
def save_notification_settings():
    raw = form_data(request.form)
    try:
        prefs = PreferencesForm().load(raw)
    except ValidationError as error:
        return _page(raw, form_errors(error), 422)
    save_preferences(db(), viewer().business_id, prefs, dt.datetime.now(dt.UTC))
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("account.notification_settings"), 303)
