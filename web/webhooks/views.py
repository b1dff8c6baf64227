"""`POST /webhooks/stripe`: Stripe's events, verified before anything else.

A bad or missing signature, or a stale one, is a 400 and nothing is read or stored. Verified
events are answered 200 whatever they are (unknown types and objects included), since anything
else makes Stripe deliver them again for days.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from integrations.db.stripe_events import apply_event
from integrations.stripe import InvalidWebhook, parse_event
from web.db import db
from web.security import csrf

blueprint = Blueprint("webhooks", __name__)
csrf.exempt(blueprint)
log = logging.getLogger(__name__)


@blueprint.post("/webhooks/stripe")
def stripe_event():
    try:
        event = parse_event(request.get_data(), request.headers.get("Stripe-Signature"),
                            current_app.config["STRIPE_WEBHOOK_SECRET"])
    except InvalidWebhook as refused:
        return jsonify(code="invalid_signature", message=str(refused)), 400
    session = db()
    outcome = apply_event(session, event)
    session.commit()
    log.info("stripe event %s (%s): %s", event["id"], event.get("type"), outcome)
    return jsonify(received=True, outcome=outcome)
