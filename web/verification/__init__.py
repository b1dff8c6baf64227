"""Business verification on the web: the member's page and the admins' review queue (views),
the commands both they and the API send (service), and the deal-size limit (limits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, g, request

from web.verification.service import UPLOAD_ENDPOINTS, UPLOAD_LIMIT, install

if TYPE_CHECKING:
    from integrations.temporal import TemporalGateway


def init_app(app: Flask, temporal: TemporalGateway) -> None:
    from integrations.verification_client import VerificationGateway
    from web.verification.views import admin, blueprint

    install(app, VerificationGateway(temporal))
    app.jinja_env.globals["is_verified_business"] = is_verified_business
    for bp in (blueprint, admin):
        app.register_blueprint(bp)

    def allow_document_uploads() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = UPLOAD_LIMIT

    # First of all: the CSRF check reads the form, and with it the body, under whatever limit holds then.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_document_uploads)


def remember_verified(known: dict[int, bool]) -> None:
    """Badges already read with a page's rows (the catalog search reads them with its listings)."""
    g.setdefault("verified_businesses", {}).update(known)


def is_verified_business(business_id: int) -> bool:
    """For the badge: asked once per business and request, however often a page names it."""
    from integrations.db.verification_read_model import is_verified
    from web.db import db

    known = g.setdefault("verified_businesses", {})
    if business_id not in known:
        known[business_id] = is_verified(db(), business_id)
    return known[business_id]
