"""Matching and barter rings on the web: "matches for you", each member's rings with their
answers (views), the commands pages and API send (service), and staff's on-demand recompute."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from web.rings.service import install

if TYPE_CHECKING:
    from integrations.temporal import TemporalGateway


def init_app(app: Flask, temporal: TemporalGateway) -> None:
    from integrations.ring_client import RingGateway
    from web.rings.views import admin, blueprint

    install(app, RingGateway(temporal))
    for bp in (blueprint, admin):
        app.register_blueprint(bp)
