"""Reputation on pages: the stored score of any business a page names, for the templates'
`reputation_summary` and `reputation_detail` macros (web/templates/_reputation.html)."""

from __future__ import annotations

from flask import Flask, g

from integrations.db.queries.reputation import ReputationView, reputation_view


def init_app(app: Flask) -> None:
    app.jinja_env.globals["reputation_of"] = reputation_of


def reputation_of(business_id: int) -> ReputationView | None:
    """Asked once per business and request, however often a page names it."""
    from web.db import db

    known = g.setdefault("reputations", {})
    if business_id not in known:
        known[business_id] = reputation_view(db(), business_id)
    return known[business_id]
