"""Webhook signature verification, with signatures built the way Stripe builds them, and one
real signed delivery from the local Stripe server."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from integrations.stripe import InvalidWebhook, StripeGateway, parse_event

SECRET = "whsec_test_secret"
EVENT = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                    "data": {"object": {"id": "pi_1", "transfer_group": "deal-1"}}}).encode()


def sign(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload.decode()}".encode(), hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def test_a_correctly_signed_event_is_parsed():
    event = parse_event(EVENT, sign(EVENT), SECRET)

    assert event["id"] == "evt_1"
    assert event["data"]["object"]["transfer_group"] == "deal-1"


def test_any_of_several_signatures_may_match_as_during_secret_rotation():
    header = sign(EVENT, secret="whsec_old") + "," + sign(EVENT).split(",")[1]

    assert parse_event(EVENT, header, SECRET)["id"] == "evt_1"


@pytest.mark.parametrize("header", [
    pytest.param(sign(EVENT, secret="whsec_other"), id="wrong-secret"),
    pytest.param(sign(EVENT.replace(b"deal-1", b"deal-2")), id="tampered-body"),
    pytest.param("", id="empty"),
    pytest.param(None, id="missing"),
    pytest.param("v1=abc", id="no-timestamp"),
    pytest.param(sign(EVENT).replace("v1=", "v0="), id="wrong-scheme"),
])
def test_a_bad_or_missing_signature_is_refused(header):
    with pytest.raises(InvalidWebhook):
        parse_event(EVENT, header, SECRET)


def test_a_stale_signature_is_refused_as_a_possible_replay():
    stale = sign(EVENT, timestamp=int(time.time()) - 301)

    with pytest.raises(InvalidWebhook, match="tolerance"):
        parse_event(EVENT, stale, SECRET)
    assert parse_event(EVENT, stale, SECRET, tolerance=600)["id"] == "evt_1"


def test_a_signed_body_that_is_not_an_event_is_refused():
    for body in (b"not json", b'{"id": "x", "object": "charge"}'):
        with pytest.raises(InvalidWebhook):
            parse_event(body, sign(body), SECRET)


@pytest.fixture
def webhook_sink() -> Iterator[tuple[str, queue.Queue]]:
    """A small HTTP endpoint that keeps every POST it receives (body and signature)."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((body, self.headers.get("Stripe-Signature")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/stripe", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_local_server_delivers_signed_events_that_parse(stripe_server, gateway: StripeGateway,
                                                            key, webhook_sink):
    url, received = webhook_sink
    requests.post(f"{stripe_server.base_url}/_config/webhooks/tests",
                  json={"url": url, "secret": SECRET, "events": ["customer.created"]},
                  timeout=5).raise_for_status()

    customer = gateway.create_customer("hook@example.test", "Hook Ltd", 9, key("customer"))

    deadline = time.monotonic() + 10
    while True:  # other tests' customers may arrive too: wait for ours
        body, signature = received.get(timeout=max(0.1, deadline - time.monotonic()))
        event = parse_event(body, signature, SECRET)
        if event["data"]["object"]["id"] == customer.id:
            break
    assert event["type"] == "customer.created"
