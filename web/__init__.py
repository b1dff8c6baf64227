"""The Flask app factory: HTML for people, a JSON API under /api/v1, one error map.

No app exists at import time. `create_app` wires the security extensions, the read session,
the deal service (the Temporal gateway unless a test passes its own object with the same
`open_deal` and `act` methods), the blueprints and the error handlers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

from domain.dispute_policy import DisputePolicy
from integrations.settings import Settings

if TYPE_CHECKING:
    from integrations.temporal import TemporalGateway
    from web.deal_service import DealService


def create_app(settings: Settings | None = None, *, deals: DealService | None = None,
               config: dict[str, Any] | None = None) -> Flask:
    # Imported here, so that `import web.auth.passwords` (the seed script) stays light.
    from web import db, errors, formatting, security
    from web.deal_service import install_deal_service

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        STRIPE_WEBHOOK_SECRET=settings.stripe_webhook_secret,
        STRIPE_SECRET_KEY=settings.stripe_secret_key,
        STRIPE_API_BASE=settings.stripe_api_base,
        ARGON2_FAST=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
        LISTINGS_PER_PAGE=20,
        # None: the platform's dispute windows (days); a test or demo stack may shorten them.
        DISPUTE_POLICY=DisputePolicy.with_windows(settings.dispute_windows) if settings.dispute_windows else None,
    )
    app.config.update(config or {})
    gateway = deals or _temporal_gateway(settings)
    install_deal_service(app, gateway)
    db.init_app(app)
    security.init_app(app)
    formatting.init_app(app)
    _register_blueprints(app, _shared_client(gateway, settings))
    errors.init_app(app)
    return app


def _temporal_gateway(settings: Settings) -> TemporalGateway:
    # Imported here: the gateway pulls in the Temporal SDK, which tests with a fake never need.
    from integrations.temporal import TemporalGateway

    return TemporalGateway(settings.temporal_address, settings.temporal_namespace, settings.task_queue)


def _shared_client(deals: DealService, settings: Settings) -> TemporalGateway:
    """Verification workflows share the deals' Temporal client (one loop per process), unless a
    test installed a fake deal service."""
    from integrations.temporal import TemporalGateway

    return deals if isinstance(deals, TemporalGateway) else _temporal_gateway(settings)


def _register_blueprints(app: Flask, temporal: TemporalGateway) -> None:
    from web import disputes, reputation, rings, verification
    from web.account.views import blueprint as account
    from web.api import init_api
    from web.auth.views import blueprint as auth
    from web.catalog.views import blueprint as catalog
    from web.deals.views import blueprint as deals
    from web.finance.payouts import blueprint as finance_payouts
    from web.finance.reconciliation import blueprint as finance_reconciliation
    from web.finance.views import blueprint as finance
    from web.metrics.views import blueprint as metrics
    from web.plans.admin import blueprint as plan_admin
    from web.plans.views import blueprint as plans
    from web.staff.views import blueprint as staff
    from web.webhooks.views import blueprint as webhooks

    for blueprint in (auth, catalog, deals, account, staff, finance, finance_payouts, finance_reconciliation,
                      webhooks, plans, plan_admin, metrics):
        app.register_blueprint(blueprint)
    disputes.init_app(app)
    verification.init_app(app, temporal)
    rings.init_app(app, temporal)
    reputation.init_app(app)
    init_api(app)
