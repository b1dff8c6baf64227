"""A disputed hybrid deal through the JSON API of the stack `make run` starts (with dispute
windows of seconds): the buyer opens a dispute, both sides submit evidence, the assigned
arbitrator rules a split, and the ledger and the local Stripe server show exactly the ruled
amounts moved."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import requests
import stripe

from devstack.api_client import ApiClient
from devstack.seed import DEMO_PASSWORD
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from tests.e2e.dispute_flow import until
from tests.e2e.test_credit_deal_through_the_api import a_member

pytestmark = pytest.mark.e2e
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 128


def evidence(caller: ApiClient, deal: str, statement: str, files=()) -> requests.Response:
    return requests.post(f"{caller.base_url}{deal}/dispute/evidence", data={"statement": statement},
                         files=[("files", f) for f in files], timeout=30,
                         headers={"Authorization": f"Bearer {caller.token}"})


def test_a_dispute_ruled_as_a_split_moves_exactly_the_ruled_amounts(api, running_stack):
    seller, buyer = a_member(api, "Printer"), a_member(api, "Cafe")
    link = seller.post("/api/v1/payouts")
    assert link.status == 200, link.body
    requests.get(link.body["onboarding_url"], allow_redirects=False, timeout=10).raise_for_status()
    assert seller.get("/api/v1/payouts").body["ready"] is True
    listing = seller.post("/api/v1/listings", {
        "kind": "offer", "title": "Menu cards, 200 copies", "description": "Printed on recycled card",
        "category": "printing",
        "price": [{"amount_minor": 60_00, "currency": "EUR"}, {"amount_minor": 40_00, "currency": "CRD"}]})
    assert listing.status == 201, listing.body
    due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    opened = buyer.post("/api/v1/deals", {
        "listing_id": listing.body["id"], "delivery_due_at": due, "acceptance_criteria": "Colours match the proof",
        "price": [{"amount_minor": 60_00, "currency": "EUR"}, {"amount_minor": 40_00, "currency": "CRD"}]})
    assert opened.status == 201, opened.body
    deal_id = opened.body["deal_id"]
    deal = f"/api/v1/deals/{deal_id}"
    for who, action in ((seller, "accept"), (buyer, "fund"), (seller, "deliver")):
        answer = who.post(f"{deal}/actions/{action}")
        assert answer.status == 200, (action, answer.body)

    dispute = buyer.post(f"{deal}/dispute", {"reason": "not_as_described", "details": "The colours are off",
                                             "asked_for": "Half the price back"})
    assert dispute.status == 201, dispute.body
    assert until(lambda: buyer.get(f"{deal}/dispute").body["stage"], lambda s: s == "evidence") == "evidence"
    sent = evidence(buyer, deal, "Photo of the cards next to the proof", [("cards.png", PNG, "image/png")])
    assert sent.status_code == 200, sent.text
    assert evidence(seller, deal, "The proof was approved by email").status_code == 200

    case = until(lambda: buyer.get(f"{deal}/dispute").body, lambda c: c["stage"] == "awaiting_ruling")
    assert case["stage"] == "awaiting_ruling" and case["arbitrator"] is not None
    arbitrators = [api.log_in(email, DEMO_PASSWORD)
                   for email in ("arbitrator@tradepact.example", "arbitrator2@tradepact.example")]
    judge = next(a for a in arbitrators if a.get("/api/v1/me").body["user_id"] == case["arbitrator"]["id"])
    assert [c["deal_id"] for c in judge.get("/api/v1/arbitration/cases").body["items"]].count(deal_id) == 1
    ruled = judge.post(f"{deal}/dispute/ruling", {
        "legs": [{"currency": "EUR", "decision": "split_by_percent", "refund_bps": 5_000},
                 {"currency": "CRD", "decision": "split_by_percent", "refund_bps": 5_000}],
        "reasons": "The colours are close but not as proofed: half of each leg back."})
    assert ruled.status == 200, ruled.body

    assert until(lambda: buyer.get(deal).body["stage"], lambda s: s == "rating") == "rating"
    # Each leg halved; the seller's half less the 5 % commission and half the 5.00 dispute fee,
    # the buyer's half less the other half of the fee.
    # The fees are collected by the step after the one that reaches rating, so they may land a moment later.
    posted = lambda: tuple(side.get("/api/v1/balance").body["balance"]["posted"] for side in (buyer, seller))  # noqa: E731
    assert until(posted, lambda found: found == (-22_50, 16_50), 30) == (-22_50, 16_50)
    sdk = stripe.StripeClient("sk_test_tradepact_local", base_addresses={"api": running_stack.env["STRIPE_API_BASE"]})
    intents = [pi for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
               if pi.transfer_group == f"deal-{deal_id}" and pi.status == "succeeded"]
    refunds = [r.amount for pi in intents for r in sdk.v1.refunds.list({"payment_intent": pi.id}).auto_paging_iter()]
    transfers = [t.amount for t in sdk.v1.transfers.list({"transfer_group": f"deal-{deal_id}"}).auto_paging_iter()]
    assert ([pi.amount for pi in intents], refunds, transfers) == ([60_00], [27_50], [26_00])
    with unit_of_work(running_stack.env["DATABASE_URL"]) as session:
        ledger = Ledger(session)
        assert all(total == 0 for total in ledger.trial_balance().values())
        assert all(amount == 0 for amount in ledger.escrow_balance(deal_id).values())

    pack = seller.get(f"{deal}/dispute/pack").body
    assert pack["evidence"][0]["files"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert "ruling_executed" in [e["kind"] for e in pack["deal_timeline"]]
    # The raw record Temporal kept: every party's update on the deal, the dispute started as its
    # child, the arbitrator's ruling on the dispute.
    deal_history = pack["workflow_histories"][f"deal-{deal_id}"]
    updates = [e["detail"] for e in deal_history if e["event"] == "workflow execution update accepted"]
    assert [u.split(" by ")[0] for u in updates[:4]] == ["opened", "act: accept", "act: fund", "act: deliver"]
    assert any(u.startswith("open_dispute") for u in updates)
    assert any(e["event"] == "start child workflow execution initiated" and "DisputeWorkflow" in e["detail"]
               for e in deal_history)
    assert any(e["detail"].startswith("act: rule") for e in pack["workflow_histories"][f"dispute-{deal_id}"])
