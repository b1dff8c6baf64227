"""The one place the web turns a ring answer or a published listing into a workflow command,
and a ring into the document both the pages and the API show."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from domain.rings import RingStatus
from integrations.db.ring_read_model import RingView, ring_view
from integrations.temporal import TemporalUnavailable
from workflows.ring_messages import RingAnswer, RingReply

EXTENSION = "tradepact.rings"
log = logging.getLogger(__name__)


def install(app: Flask, gateway: Any) -> None:
    app.extensions[EXTENSION] = gateway


def gateway() -> Any:
    return current_app.extensions[EXTENSION]


def listing_published(listing_id: int) -> None:
    """Match the new listing now (and propose any ring it closes). The listing is published
    whatever happens here: if the workflow service is away, the hourly recompute matches it."""
    try:
        gateway().start_matching(listing_id)
    except TemporalUnavailable:
        log.warning("listing %s published while matching was unreachable; the hourly recompute will match it",
                    listing_id)


def recompute() -> str:
    return gateway().start_matching(None)


def answer(ring_key: str, business_id: int, accept: bool, reason: str = "") -> RingReply:
    return gateway().answer(ring_key, RingAnswer(business_id, accept, reason))


def ring_document(view: RingView, business_id: int | None) -> dict[str, Any]:
    ring = view.ring
    return {
        "ring_key": ring.key, "status": ring.status.value, "score": ring.score, "reason": ring.reason,
        "proposed_at": ring.proposed_at, "answer_by": ring.answer_by,
        "businesses": [{"business_id": b, "name": view.names.get(b, f"Business {b}"),
                        "answer": _answer_of(view, b)} for b in ring.business_ids],
        "legs": [{"deal_id": leg.deal_id if view.leg_stage(leg) else None, "title": leg.title,
                  "buyer_id": leg.buyer_id, "buyer_name": view.names.get(leg.buyer_id, ""),
                  "seller_id": leg.seller_id, "seller_name": view.names.get(leg.seller_id, ""),
                  "want_id": leg.want_id, "offer_id": leg.offer_id, "score": leg.score,
                  "deal_stage": view.leg_stage(leg) or None,
                  "mine": business_id in (leg.buyer_id, leg.seller_id)} for leg in ring.legs],
        "bond_minor": ring.policy.bond_minor,
        "may_answer": business_id is not None and ring.status is RingStatus.PROPOSED
                      and business_id not in ring.accepted_by,
    }


def _answer_of(view: RingView, business_id: int) -> str:
    if business_id in view.ring.accepted_by:
        return "accepted"
    if view.ring.declined_by == business_id:
        return "declined"
    return "waiting" if view.ring.status is RingStatus.PROPOSED else "no answer"


def my_ring(session: Session, ring_key: str, business_id: int) -> RingView | None:
    return ring_view(session, ring_key, business_id)
