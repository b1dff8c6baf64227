"""A hybrid deal (EUR by card through the local Stripe server, and credits) disputed in Chromium:
the buyer opens a dispute on the deal page, both sides submit evidence, the assigned arbitrator
rules a split on the desk (a split that does not add up is refused first), and the ledger and
the local Stripe server show exactly the ruled amounts moved; the evidence pack downloads and
holds the deal's real timeline.

The stack runs with dispute windows of seconds (TRADEPACT_DISPUTE_WINDOWS, set by the
`running_stack` fixture): settlement talks 2 s, evidence 15 s, appeal 2 s.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
import stripe
from playwright.sync_api import Browser, Page, expect

from devstack.api_client import ApiClient
from devstack.run import LocalStack
from devstack.seed import DEMO_PASSWORD
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from tests.e2e.test_credit_deal_through_the_api import get_verified

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
WAIT_MS = 15_000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 256
ARBITRATORS = {"Iris Arbitre": "arbitrator@tradepact.example", "Sol Senior": "arbitrator2@tradepact.example"}


def member(api: ApiClient, name: str) -> tuple[str, ApiClient]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.test"
    answer = api.post("/api/v1/businesses", {
        "business_name": f"{name} {uuid.uuid4().hex[:6]}", "city": "Lyon", "description": f"{name} does good work",
        "display_name": name, "email": email, "password": PASSWORD})
    assert answer.status == 201, answer.body
    logged = api.log_in(email, PASSWORD)
    get_verified(api, logged, answer.body["business_id"])  # KYB: a credit line and deals of any size
    return email, logged


def logged_in(browser: Browser, base_url: str, email: str, password: str = PASSWORD) -> Page:
    page = browser.new_context(base_url=base_url, accept_downloads=True).new_page()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    return page


def act(page: Page, action: str, expected_stage: str) -> None:
    page.get_by_test_id(f"action-{action}").click()
    refused = page.get_by_test_id("flash-error")
    assert refused.count() == 0, refused.inner_text()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", expected_stage, timeout=WAIT_MS)


def reload_until(page: Page, test_id: str, stage: str, seconds: float = 60) -> None:
    """Reload until the dispute reaches `stage` (its timers fire on the server, not in the page)."""
    deadline = time.monotonic() + seconds
    while page.get_by_test_id(test_id).get_attribute("data-stage") != stage:
        assert time.monotonic() < deadline, f"the dispute did not reach {stage}"
        page.wait_for_timeout(500)
        page.reload()


def download(page: Page, test_id: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_test_id(test_id).click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def test_a_dispute_ruled_as_a_split_in_the_browser_moves_exactly_the_ruled_amounts(chromium: Browser,
                                                                                   running_stack: LocalStack):
    api = ApiClient(running_stack.url)
    seller_email, seller_api = member(api, "Printer")
    buyer_email, _buyer_api = member(api, "Cafe")
    link = seller_api.post("/api/v1/payouts")  # the seller is paid cash: its Stripe payout account first
    assert link.status == 200, link.body
    requests.get(link.body["onboarding_url"], allow_redirects=False, timeout=10).raise_for_status()
    assert seller_api.get("/api/v1/payouts").body["ready"] is True  # asks Stripe, and records the answer

    seller = logged_in(chromium, running_stack.url, seller_email)
    seller.goto("/listings/new")
    seller.fill("#title", "Menu cards, 200 copies")
    seller.fill("#description", "Printed on recycled card")
    seller.select_option("#category", "printing")
    seller.fill("#price_cash", "60.00")
    seller.fill("#price_credits", "40.00")
    seller.get_by_test_id("publish").click()
    expect(seller.get_by_test_id("listing-title")).to_have_text("Menu cards, 200 copies")
    listing_url = seller.url

    buyer = logged_in(chromium, running_stack.url, buyer_email)
    buyer.goto(listing_url)
    buyer.get_by_test_id("propose").click()
    buyer.fill("#price_cash", "60.00")
    buyer.fill("#price_credits", "40.00")
    buyer.fill("#delivery_due_at", (datetime.now(UTC) + timedelta(days=10)).date().isoformat())
    buyer.fill("#acceptance_criteria", "Colours match the approved proof")
    buyer.get_by_test_id("send-offer").click()
    expect(buyer.get_by_test_id("stage")).to_have_attribute("data-stage", "proposed", timeout=WAIT_MS)
    deal_url = buyer.url
    deal_id = deal_url.rstrip("/").rsplit("/", 1)[1]
    seller.goto(deal_url)
    act(seller, "accept", "funding")
    buyer.reload()
    act(buyer, "fund", "in_delivery")  # the card (pm_card_visa) for the cash, credits for the rest
    seller.reload()
    act(seller, "deliver", "inspection")

    # The buyer opens the dispute from the deal page.
    buyer.reload()
    buyer.get_by_test_id("open-dispute-toggle").click()
    buyer.select_option("#dispute-reason", "not_as_described")
    buyer.fill("#details", "The colours are far off the proof")
    buyer.fill("#asked_for", "Most of the price back")
    buyer.get_by_test_id("open-dispute").click()
    expect(buyer.get_by_test_id("dispute-stage")).to_have_attribute("data-stage", "settlement_talks")
    seller.reload()
    expect(seller.get_by_test_id("deal-dispute-stage")).to_have_attribute("data-stage", "settlement_talks")
    seller.get_by_test_id("dispute-link").click()

    # Both sides add evidence once settlement talks have ended.
    reload_until(buyer, "dispute-stage", "evidence")
    buyer.fill("#statement", "Photo of the cards next to the proof")
    buyer.set_input_files("#evidence-files", files=[{"name": "cards.png", "mimeType": "image/png", "buffer": PNG}])
    buyer.get_by_test_id("action-submit_evidence").click()
    expect(buyer.get_by_test_id("evidence-sha256")).to_have_text(hashlib.sha256(PNG).hexdigest())
    reload_until(seller, "dispute-stage", "evidence")
    seller.fill("#statement", "The proof was approved by email on the 3rd")
    seller.get_by_test_id("action-submit_evidence").click()
    expect(seller.get_by_test_id("evidence")).to_have_count(2)

    # The arbitrator the platform assigned rules a split on the desk.
    reload_until(seller, "dispute-stage", "awaiting_ruling")
    name = seller.get_by_test_id("arbitrator").inner_text().strip()
    judge = logged_in(chromium, running_stack.url, ARBITRATORS[name], DEMO_PASSWORD)
    judge.get_by_test_id("nav-desk").click()
    judge.locator(f'[data-testid="case-row"][data-deal="{deal_id}"] a').click()
    expect(judge.get_by_test_id("criterion")).to_contain_text("Colours match the approved proof")
    expect(judge.get_by_test_id("evidence")).to_have_count(2)
    judge.get_by_test_id("rule-EUR-split_by_amount").check()
    judge.fill("#rule-EUR-payee", "45.00")
    judge.fill("#rule-EUR-payer", "10.00")
    judge.get_by_test_id("rule-CRD-split_by_percent").check()
    judge.fill("#rule-CRD-percent", "25")
    judge.fill("#reasons", "The colours are off the proof on one of the two card designs.")
    judge.get_by_test_id("action-rule").click()
    expect(judge.get_by_test_id("form-errors")).to_be_visible()
    expect(judge.locator("body")).to_contain_text("60.00 EUR is held")
    judge.fill("#rule-EUR-payer", "15.00")
    judge.get_by_test_id("action-rule").click()
    # Ruled, and final once the 2-second appeal window has passed.
    expect(judge.get_by_test_id("dispute-stage")).to_have_attribute("data-stage", re.compile("^(ruled|final)$"))
    expect(judge.get_by_test_id("ruling-description")).to_contain_text("15.00 EUR back to the buyer")

    # Nobody appeals: the ruling is final and the deal executes it.
    buyer.goto(deal_url)
    deadline = time.monotonic() + 60
    while buyer.get_by_test_id("stage").get_attribute("data-stage") != "rating":
        assert time.monotonic() < deadline, "the ruling was not executed"
        buyer.wait_for_timeout(500)
        buyer.reload()
    timeline = buyer.get_by_test_id("timeline-entry").evaluate_all("els => els.map(e => e.dataset.kind)")
    steps = iter(timeline)  # each step in this order, among whatever else the deal recorded
    assert all(kind in steps for kind in ("offer_made", "accepted", "funded", "delivered", "dispute_opened")), timeline
    assert timeline[-1] == "ruling_executed"

    # EUR: 45.00 to the seller less 2.25 commission and 1.25 of the 5.00 dispute fee (paid out by
    # Stripe transfer: 41.50); 15.00 back to the buyer less its 3.75 of the fee (refund: 11.25).
    # CRD: 30.00 to the seller less 1.50 and 1.25 (27.25); 10.00 back to the buyer less 3.75.
    sdk = stripe.StripeClient("sk_test_tradepact_local", base_addresses={"api": running_stack.env["STRIPE_API_BASE"]})
    intents = [pi for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
               if pi.transfer_group == f"deal-{deal_id}" and pi.status == "succeeded"]
    refunds = [r.amount for pi in intents for r in sdk.v1.refunds.list({"payment_intent": pi.id}).auto_paging_iter()]
    transfers = [t.amount for t in sdk.v1.transfers.list({"transfer_group": f"deal-{deal_id}"}).auto_paging_iter()]
    assert ([pi.amount for pi in intents], refunds, transfers) == ([60_00], [11_25], [41_50])
    buyer.goto("/balance")
    expect(buyer.get_by_test_id("posted-balance")).to_contain_text("-33.75")
    seller.goto("/balance")
    expect(seller.get_by_test_id("posted-balance")).to_contain_text("27.25")
    with unit_of_work(running_stack.env["DATABASE_URL"]) as session:
        ledger = Ledger(session)
        assert all(total == 0 for total in ledger.trial_balance().values())
        assert all(amount == 0 for amount in ledger.escrow_balance(deal_id).values())
        assert all(total == 0 for total in ledger.pending_balance().values())

    # The evidence pack downloads, with the deal's real timeline and the file's hash.
    seller.goto(f"{deal_url}/dispute")
    pack = json.loads(download(seller, "pack-json"))
    assert [e["kind"] for e in pack["deal_timeline"]] == timeline
    assert pack["evidence"][0]["files"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    html = download(seller, "pack-html").decode()
    assert "The colours are far off the proof" in html and hashlib.sha256(PNG).hexdigest() in html
