"""Disputes on the web: a party's case (views), the arbitrator's desk (desk), the operators'
list (operator); reads in integrations/db/queries/dispute_pages.py, commands in service."""

from __future__ import annotations

from flask import Flask, request

EVIDENCE_ENDPOINT = "disputes.submit_evidence"


def init_app(app: Flask) -> None:
    from web.disputes.desk import blueprint as desk
    from web.disputes.evidence import UPLOAD_LIMIT
    from web.disputes.operator import blueprint as operator
    from web.disputes.views import blueprint as party

    for blueprint in (party, desk, operator):
        app.register_blueprint(blueprint)

    def allow_evidence_uploads() -> None:
        if request.endpoint == EVIDENCE_ENDPOINT:
            request.max_content_length = UPLOAD_LIMIT

    # First of all: the CSRF check reads the form, and with it the body, under whatever limit holds then.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_evidence_uploads)
