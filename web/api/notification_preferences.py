"""API: my notification preferences (channel per topic, quiet hours, daily cap, digest time)."""

from __future__ import annotations

import datetime as dt

from domain.notification_policy import Preferences
from integrations.db.notification_preferences import preferences_of, save_preferences
from web.account.notification_inputs import PreferencesBody, PreferencesOut, as_document
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut
from web.db import db

blp = ApiBlueprint("api_notification_preferences", __name__, description="Notification preferences")


@blp.route("/account/notification-preferences", methods=["GET"])
@api_member
@blp.response(200, PreferencesOut)
def preferences():
    """What is emailed and when; `topics` lists each topic with the channels it may have."""
    return as_document(preferences_of(db(), api_user().business_id))


@blp.route("/account/notification-preferences", methods=["PUT"])
@api_member
@blp.arguments(PreferencesBody)
@blp.alt_response(422, schema=ErrorOut, description="Malformed preferences, with field errors")
@blp.response(200, PreferencesOut)
def replace_preferences(prefs: Preferences):
    """Replace them all: what is left out goes back to the platform default. Reminders and payment
    notices cannot be sent to the digest (422)."""
    save_preferences(db(), api_user().business_id, prefs, dt.datetime.now(dt.UTC))
    return as_document(prefs)
