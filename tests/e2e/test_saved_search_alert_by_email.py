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

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def a_member(api: ApiClient, name: str) -> tuple[ApiClient, str]:
    tag = uuid.uuid4().hex[:6]
    email = f"{name.lower()}-{tag}@example.test"
    answer = api.post("/api/v1/businesses", {
        "business_name": f"{name} {tag}", "city": "Lyon", "description": f"{name} does good work",
        "display_name": name, "email": email, "password": PASSWORD,
    })
    assert answer.status == 201, answer.body
    return api.log_in(email, PASSWORD), email


def mail_to(stack: LocalStack, address: str, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{stack.mail_ui}/api/messages", timeout=10) as response:
            found = [m for m in json.loads(response.read()) if address in m["to"]]
        if found:
            return found
        time.sleep(0.5)
    return []


def test_a_matching_listing_reaches_the_saver_by_email(api: ApiClient, running_stack: LocalStack):
    word = "zq" + uuid.uuid4().hex[:10]
    saver, saver_email = a_member(api, "Saver")
    seller, _ = a_member(api, "Seller")
    saved = saver.post("/api/v1/saved-searches", {"name": "Logos for the shop", "alerts": "immediate",
                                                 "search": {"q": word, "category": "design"}})
    assert saved.status == 201, saved.body

    published = seller.post("/api/v1/listings", {"kind": "offer", "title": f"Logo {word}", "category": "logo-design",
                                                 "price": [{"amount_minor": 90_00, "currency": "CRD"}]})
    assert published.status == 201, published.body

    (mail,) = mail_to(running_stack, saver_email)
    assert mail["subject"] == f"New for your search “Logos for the shop”: Logo {word}"
    assert f"/listings/{published.body['id']}" in mail["text"]
    inbox = saver.get("/api/v1/notifications").body["items"]
    assert [n["kind"] for n in inbox] == ["saved_search_alert"]
