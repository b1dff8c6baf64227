"""The JSON API under /api/v1 (flask-smorest): OpenAPI 3.1 at /api/v1/openapi.json.

Callers authenticate with `Authorization: Bearer <token>` or the browser session. The API's
blueprints are exempt from the CSRF extension's blanket check; `access.authenticate`
applies it to session-authenticated writes only (a bearer token cannot ride a cross-site
form, a cookie can).
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from web.security import csrf

API_CONFIG = {
    "API_TITLE": "Tradepact API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": None,  # the default UI loads from a CDN, which the CSP refuses
    "OPENAPI_REDOC_PATH": None,
    "OPENAPI_RAPIDOC_PATH": None,
}


def init_api(app: Flask) -> Api:
    from web.api import (
        account,
        catalog,
        deals,
        dispute_staff,
        disputes,
        finance,
        members,
        messages,
        metrics,
        notification_preferences,
        plans,
        reputation,
        rings,
        saved_searches,
        settlements,
        verification,
    )

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = Api(app, spec_kwargs={"info": {"description": "Trade services under escrow: listings, deals, "
                                                        "actions, notifications and credits."}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}, {}]
    for module in (members, catalog, deals, disputes, dispute_staff, account, finance, settlements, plans,
                   verification, notification_preferences, saved_searches, reputation, messages, metrics, rings):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    return api
