"""Two businesses complete a credit deal through the JSON API of the stack `make run` starts."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from devstack.api_client import ApiClient
from devstack.seed import DEMO_PASSWORD
from devstack.verification import approve, submit_verification

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def a_member(api: ApiClient, name: str) -> ApiClient:
    tag = uuid.uuid4().hex[:6]
    email = f"{name.lower()}-{tag}@example.test"
    answer = api.post("/api/v1/businesses", {
        "business_name": f"{name} {tag}", "city": "Lyon", "description": f"{name} does good work",
        "display_name": name, "email": email, "password": PASSWORD,
    })
    assert answer.status == 201, answer.body
    member = api.log_in(email, PASSWORD)
    get_verified(api, member, answer.body["business_id"])
    return member


ADMIN_LOGIN = threading.Lock()
ADMINS: dict[str, ApiClient] = {}


def as_admin(api: ApiClient, call):
    """One demo-admin login per stack, kept: a user has one API token and each login replaces it
    (and logins are rate-limited), so members built side by side must not log the admin in over
    each other. A test that logged the admin in since makes the kept token stale: log in again."""
    with ADMIN_LOGIN:
        for _ in range(2):
            admin = ADMINS.get(api.base_url) or api.log_in("admin@tradepact.example", DEMO_PASSWORD)
            ADMINS[api.base_url] = admin
            answer = call(admin)
            if answer.status != 401:
                return answer
            del ADMINS[api.base_url]
        return answer


def get_verified(api: ApiClient, member: ApiClient, business_id: int) -> None:
    """KYB as a new member goes through it: documents sent, the demo admin approves."""
    sent = submit_verification(member, business_id)
    assert sent.status == 200, sent.body
    approved = as_admin(api, lambda admin: approve(admin, business_id))
    assert approved.status == 200 and approved.body["status"] == "approved", approved.body


def mails_to(mail_ui: str, address_part: str) -> list[dict]:
    with urllib.request.urlopen(f"{mail_ui}/api/messages", timeout=10) as response:
        return [m for m in json.loads(response.read()) if address_part in m["to"]]


def test_a_credit_deal_from_offer_to_rating(api, running_stack):
    seller, buyer = a_member(api, "Seller"), a_member(api, "Buyer")
    listing = seller.post("/api/v1/listings", {
        "kind": "offer", "title": "Bookkeeping for one quarter", "description": "VAT included",
        "category": "accounting", "price": {"amount_minor": 300_00, "currency": "CRD"},
    })
    assert listing.status == 201, listing.body

    due = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    proposal = {"listing_id": listing.body["id"], "price": {"amount_minor": 300_00, "currency": "CRD"},
                "delivery_due_at": due, "inspection_days": 5,
                "acceptance_criteria": "Books reconciled, VAT return filed"}
    key = uuid.uuid4().hex
    first = buyer.post("/api/v1/deals", proposal, **{"Idempotency-Key": key})
    again = buyer.post("/api/v1/deals", proposal, **{"Idempotency-Key": key})
    assert first.status == 201, first.body
    assert again.body["deal_id"] == first.body["deal_id"]
    deal = f"/api/v1/deals/{first.body['deal_id']}"

    refused = buyer.post(f"{deal}/actions/accept")
    assert refused.status == 409 and "offer was made to" in refused.body["message"]

    for who, action, body in [
        (seller, "accept", {}), (buyer, "fund", {}), (seller, "deliver", {"note": "Filed on time"}),
        (buyer, "confirm", {}),
        (buyer, "review", {"quality": 5, "timeliness": 5, "communication": 4, "comment": "Great"}),
        (seller, "review", {"quality": 5, "timeliness": 4, "communication": 5, "comment": "Paid fast"}),
    ]:
        answer = who.post(f"{deal}/actions/{action}", body)
        assert answer.status == 200, (action, answer.body)

    shown = buyer.get(deal).body
    assert shown["stage"] == "closed"
    assert [e["kind"] for e in shown["timeline"]] == [
        "offer_made", "accepted", "funded", "delivered", "completed", "review_submitted", "closed"]
    assert buyer.get("/api/v1/balance").body["balance"]["posted"] == -300_00
    assert seller.get("/api/v1/balance").body["balance"]["posted"] == 285_00  # less the 5 % fee
    assert seller.get(deal).status == 200
    assert a_member(api, "Stranger").get(deal).status == 404

    mail_ui = running_stack.mail_ui
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not mails_to(mail_ui, "seller-"):
        time.sleep(0.5)
    subjects = [m["subject"] for m in mails_to(mail_ui, "seller-")]
    assert any("New offer" in s for s in subjects)
