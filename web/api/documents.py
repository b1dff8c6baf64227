"""Deals as API documents: what a party sees, in the shape of `schemas.DealOut`."""

from __future__ import annotations

from typing import Any

from integrations.db.queries import DealSummary
from web.deals.page import DealPage
from web.formatting import stage_label


def deal_document(page: DealPage) -> dict[str, Any]:
    deal, view = page.deal, page.view
    return {
        "deal_id": deal.deal_id,
        "title": deal.terms.title,
        "stage": deal.stage.value,
        "stage_label": stage_label(deal.stage.value),
        "model": deal.terms.model.value,
        "ring_id": deal.terms.ring_id,
        "version": deal.version,
        "role": page.role.value if page.role else None,
        "buyer": {"id": deal.buyer_id, "name": view.buyer_name},
        "seller": {"id": deal.seller_id, "name": view.seller_name},
        "offered_by": deal.offered_by,
        "terms": {
            "title": deal.terms.title,
            "price": list(deal.terms.price),
            "delivery_due_at": deal.terms.delivery_due_at,
            "inspection_days": deal.terms.inspection_days,
            "obligations": [{"provider": o.provider.value, "description": o.description,
                             "acceptance_criteria": o.acceptance_criteria} for o in deal.terms.obligations],
            "listing_id": deal.terms.listing_id,
        },
        "deadlines": [{"name": name, "at": at} for name, at in page.deadlines],
        "allowed_actions": [action.value for action in page.allowed_actions],
        "timeline": page.timeline,
        "reviews": page.reviews,
        "created_at": deal.created_at,
        "updated_at": view.updated_at,
    }


def deal_summary_document(summary: DealSummary) -> dict[str, Any]:
    return {
        "deal_id": summary.deal_id, "title": summary.title, "stage": summary.stage,
        "buyer": {"id": summary.buyer_id, "name": summary.buyer_name},
        "seller": {"id": summary.seller_id, "name": summary.seller_name},
        "price": list(summary.price), "next_deadline_at": summary.next_deadline_at,
        "updated_at": summary.updated_at,
    }
