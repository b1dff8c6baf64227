"""`POST /webhooks/stripe`: verified first, each event once, statuses only forward."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest

from integrations.db.session import unit_of_work
from integrations.db.stripe_records import StripeEvent, movement, record_movement
from tests.workflows.driver import a_business

URL = "/webhooks/stripe"


@pytest.fixture
def secret(app) -> str:
    return app.config["STRIPE_WEBHOOK_SECRET"]


def signed(payload: bytes, secret: str, at: int | None = None) -> dict[str, str]:
    at = at or int(time.time())
    signature = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={at},v1={signature}", "Content-Type": "application/json"}


def event(kind: str, object_id: str, **fields) -> bytes:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": kind,
                       "data": {"object": {"id": object_id, **fields}}}).encode()


@pytest.fixture
def payment(database_url) -> str:
    return pending_payment(database_url)


def pending_payment(database_url: str) -> str:
    """A card payment a deal made, as the cash activity stores it, still pending."""
    intent = f"pi_{uuid.uuid4().hex[:16]}"
    with unit_of_work(database_url) as session:
        record_movement(session, key=f"deal:{intent}:fund:EUR", deal_id=intent, kind="charge",
                        business_id=a_business(database_url), amount_minor=60_00, currency="EUR",
                        stripe_id=intent, charge_id=None, status="pending", failure=None)
    return intent


def status_of(database_url: str, intent: str) -> str:
    with unit_of_work(database_url) as session:
        return movement(session, f"deal:{intent}:fund:EUR").status


def events_stored(database_url: str, object_id: str) -> int:
    with unit_of_work(database_url) as session:
        return session.query(StripeEvent).filter(StripeEvent.object_id == object_id).count()


@pytest.mark.parametrize("headers", [
    {}, {"Stripe-Signature": "t=1,v1=deadbeef"}, {"Stripe-Signature": "garbage"}])
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, database_url, payment, headers):
    answer = client.post(URL, data=event("payment_intent.succeeded", payment), headers=headers)
    assert answer.status_code == 400 and answer.json["code"] == "invalid_signature"
    assert status_of(database_url, payment) == "pending"
    assert events_stored(database_url, payment) == 0


def test_a_stale_signature_is_refused_as_a_replay(client, database_url, payment, secret):
    body = event("payment_intent.succeeded", payment)
    answer = client.post(URL, data=body, headers=signed(body, secret, at=int(time.time()) - 3600))
    assert answer.status_code == 400
    assert status_of(database_url, payment) == "pending"


def test_the_same_event_twice_has_one_effect(client, database_url, payment, secret):
    body = event("payment_intent.succeeded", payment)
    first = client.post(URL, data=body, headers=signed(body, secret))
    again = client.post(URL, data=body, headers=signed(body, secret))
    assert first.status_code == again.status_code == 200
    assert first.json["outcome"].endswith("is now succeeded") and again.json["outcome"] == "duplicate"
    assert events_stored(database_url, payment) == 1


def test_succeeded_before_created_leaves_it_succeeded(client, database_url, payment, secret):
    for kind in ("payment_intent.succeeded", "payment_intent.created"):
        body = event(kind, payment)
        assert client.post(URL, data=body, headers=signed(body, secret)).status_code == 200
    assert status_of(database_url, payment) == "succeeded"


@pytest.mark.parametrize("kind, object_id, expected", [
    ("customer.created", "cus_123", "ignored: not an event"),
    ("payment_intent.succeeded", "pi_no_such_deal", "ignored: no deal"),
])
def test_unknown_types_and_objects_are_acknowledged_and_ignored(client, secret, kind, object_id, expected):
    body = event(kind, object_id)
    answer = client.post(URL, data=body, headers=signed(body, secret))
    assert answer.status_code == 200 and answer.json["outcome"].startswith(expected)


def test_a_payout_stripe_later_reverses_reaches_the_deal_once_as_a_signal(
        client, api, member, listing, database_url, secret):
    from tests.web.deal_checks import timeline_kinds
    from tests.web.test_cash_and_barter_deals import a_hybrid_deal

    seller_api, _buyer_api, deal_id, _s, _b = a_hybrid_deal(api, member, listing,
                                                            "accept", "fund", "deliver", "confirm")
    with unit_of_work(database_url) as session:
        transfer = movement(session, f"deal:{deal_id}:release:EUR").stripe_id

    body = event("transfer.reversed", transfer)
    for _ in range(2):
        assert client.post(URL, data=body, headers=signed(body, secret)).status_code == 200
    def reported() -> list[str]:
        return [k for k in timeline_kinds(database_url, deal_id) if k.startswith("stripe_")]

    deadline = time.monotonic() + 20  # a Signal is answered when accepted, and handled just after
    while not reported() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert reported() == ["stripe_payout_reversed"]
    page = seller_api.get(f"/api/v1/deals/{deal_id}").json
    assert "Stripe reports the payout in EUR was reversed" in page["timeline"][-1]["summary"]
    assert status_of_key(database_url, f"deal:{deal_id}:release:EUR") == "reversed"


def status_of_key(database_url: str, key: str) -> str:
    with unit_of_work(database_url) as session:
        return movement(session, key).status
