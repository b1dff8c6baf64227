"""`POST /webhooks/stripe`: Stripe's events, verified before anything else.

A bad or missing signature, or a stale one, is a 400 and nothing is read or stored. Verified
events are answered 200 whatever they are (unknown types and objects included), since anything
else makes Stripe deliver them again for days.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from domain.cash import CashKind
from integrations.db.stripe_events import apply_event
from integrations.stripe import InvalidWebhook, parse_event
from web.db import db
from web.deal_service import deal_service
from web.security import csrf
from workflows.messages import StripeEventSignal

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
    if outcome.changed is not None:
        # Told before the commit: if the deal service is away the answer is 503, nothing is
        # stored, and Stripe delivers again; the workflow ignores an event id it has seen.
        moved = outcome.changed
        deal_service().stripe_event(moved.deal_id, StripeEventSignal(
            str(event["id"]), moved.key, CashKind(moved.kind), moved.status))
    session.commit()
    log.info("stripe event %s (%s): %s", event["id"], event.get("type"), outcome.text)
    return jsonify(received=True, outcome=outcome.text)
