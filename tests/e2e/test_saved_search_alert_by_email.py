"""A saved search's alert travels the whole way: publish through the API, matched by the real
worker process, emailed by its outbox to the SMTP sink, found in the saver's inbox."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest

from devstack.api_client import ApiClient
from devstack.run import LocalStack
from tests.e2e.test_credit_deal_through_the_api import a_member

pytestmark = pytest.mark.e2e


def alerts_mailed_to(stack: LocalStack, address: str, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{stack.mail_ui}/api/messages", timeout=10) as response:
            found = [m for m in json.loads(response.read())
                     if address in m["to"] and m["subject"].startswith("New for your search")]
        if found:
            return found
        time.sleep(0.5)
    return []


def test_a_matching_listing_reaches_the_saver_by_email(api: ApiClient, running_stack: LocalStack):
    word = "zq" + uuid.uuid4().hex[:10]
    saver, seller = a_member(api, "Saver"), a_member(api, "Seller")
    saver_email = saver.get("/api/v1/me").body["email"]
    saved = saver.post("/api/v1/saved-searches", {"name": "Logos for the shop", "alerts": "immediate",
                                                 "search": {"q": word, "category": "design"}})
    assert saved.status == 201, saved.body

    published = seller.post("/api/v1/listings", {"kind": "offer", "title": f"Logo {word}", "category": "logo-design",
                                                 "price": [{"amount_minor": 90_00, "currency": "CRD"}]})
    assert published.status == 201, published.body

    (mail,) = alerts_mailed_to(running_stack, saver_email)
    assert mail["subject"] == f"New for your search “Logos for the shop”: Logo {word}"
    assert f"/listings/{published.body['id']}" in mail["text"]
    inbox = saver.get("/api/v1/notifications").body["items"]
    assert [n["link"] for n in inbox if n["kind"] == "saved_search_alert"] == [f"/listings/{published.body['id']}"]
