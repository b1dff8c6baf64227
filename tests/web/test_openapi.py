"""The OpenAPI document describes the API that is served."""

from __future__ import annotations

import re


def test_the_openapi_document_lists_every_path(client, app):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.json["openapi"].startswith("3.1")
    documented = set(answer.json["paths"])
    served = {re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", str(rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/") and "openapi" not in rule.rule}
    assert documented == served
    assert "/api/v1/deals/{deal_id}/actions/fund" in documented
    assert answer.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    counter = answer.json["paths"]["/api/v1/deals/{deal_id}/actions/counter"]["post"]
    assert "requestBody" in counter and {"200", "409", "422", "503"} <= set(counter["responses"])
