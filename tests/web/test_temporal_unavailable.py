"""With the workflow service unreachable, deal requests answer 503 "try again" within seconds."""

from __future__ import annotations

import dataclasses
import time

import pytest

from devstack.ports import free_port
from tests.builders import a_token
from tests.web.conftest import Api, Browser, in_days, proposal
from tests.web.test_stripe_webhooks import event, events_stored, pending_payment, signed, status_of
from web import create_app


@pytest.fixture(scope="module")
def app_without_temporal(settings):
    closed = dataclasses.replace(settings, temporal_address=f"127.0.0.1:{free_port()}")
    return create_app(closed, config={"TESTING": True, "ARGON2_FAST": True})


def test_the_api_answers_503_quickly(app_without_temporal, database_url, member, listing):
    seller, buyer = member(), member()
    listing_id = listing(seller)
    caller = Api(app_without_temporal.test_client(), a_token(database_url, buyer.user_id))
    started = time.monotonic()
    answer = caller.post("/api/v1/deals", proposal(listing_id))
    assert time.monotonic() - started < 8
    assert answer.status_code == 503 and "try again" in answer.json["message"]
    assert answer.json["code"] == "temporal_unavailable" and answer.headers["Retry-After"] == "5"
    assert caller.get("/api/v1/deals").status_code == 200  # reads still work from the read model


def test_a_form_post_flashes_try_again(app_without_temporal, member, listing):
    seller, buyer = member(), member()
    listing_id = listing(seller)
    person = Browser(app_without_temporal.test_client()).log_in(buyer)
    form = {"price_credits": "100.00", "delivery_due_at": in_days(5), "request_id": "r1"}
    answer = person.post(f"/listings/{listing_id}/propose", form,
                         headers={"Referer": f"http://localhost/listings/{listing_id}/propose"})
    assert answer.status_code == 303
    assert "try again" in person.get(answer.headers["Location"]).get_data(as_text=True)


def test_with_no_worker_polling_a_deal_request_answers_503_in_seconds(settings, deal_worker, database_url,
                                                                       member, listing):
    nobody_polls = dataclasses.replace(settings, task_queue="no-worker-polls-this-queue")
    app = create_app(nobody_polls, config={"TESTING": True, "ARGON2_FAST": True})
    seller, buyer = member(), member()
    caller = Api(app.test_client(), a_token(database_url, buyer.user_id))
    started = time.monotonic()
    answer = caller.post("/api/v1/deals", proposal(listing(seller)))
    assert time.monotonic() - started < 8
    assert answer.status_code == 503 and "try again" in answer.json["message"]



def test_a_stripe_event_for_a_deal_is_not_stored_until_the_deal_has_heard_it(app_without_temporal, database_url):
    """503 makes Stripe deliver the event again later; storing it now would swallow it as a duplicate."""
    intent = pending_payment(database_url)
    body = event("payment_intent.succeeded", intent)
    answer = app_without_temporal.test_client().post(
        "/webhooks/stripe", data=body, headers=signed(body, app_without_temporal.config["STRIPE_WEBHOOK_SECRET"]))
    assert answer.status_code == 503
    assert status_of(database_url, intent) == "pending" and events_stored(database_url, intent) == 0
