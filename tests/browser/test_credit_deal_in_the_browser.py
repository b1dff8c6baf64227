"""Two member businesses complete a credit deal by clicking through the web app in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from devstack.run import LocalStack
from tests.browser.journeys import WAIT_MS, act, register

pytestmark = pytest.mark.browser


def test_two_members_complete_a_credit_deal(chromium: Browser, running_stack: LocalStack):
    seller = register(chromium, running_stack.url, "Seller")
    seller.goto("/listings/new")
    seller.fill("#title", "Logo redesign")
    seller.fill("#description", "Three concepts, two rounds of changes")
    seller.select_option("#category", index=1)
    seller.fill("#price_credits", "240.00")
    seller.get_by_test_id("publish").click()
    expect(seller.get_by_test_id("listing-title")).to_have_text("Logo redesign")
    listing_url = seller.url

    buyer = register(chromium, running_stack.url, "Buyer")
    buyer.goto(listing_url)
    buyer.get_by_test_id("propose").click()
    buyer.fill("#price_credits", "240.00")
    buyer.fill("#delivery_due_at", (datetime.now(UTC) + timedelta(days=10)).date().isoformat())
    buyer.fill("#inspection_days", "3")
    buyer.fill("#acceptance_criteria", "Vector files for all three concepts")
    buyer.get_by_test_id("send-offer").click()
    expect(buyer.get_by_test_id("stage")).to_have_attribute("data-stage", "proposed", timeout=WAIT_MS)
    expect(buyer.get_by_test_id("action-accept")).to_have_count(0)  # only the other side accepts
    deal_url = buyer.url

    seller.goto(deal_url)
    act(seller, "accept", "funding")
    buyer.reload()
    expect(buyer.get_by_test_id("fund-amount")).to_have_text("240.00 CRD")
    act(buyer, "fund", "in_delivery")
    seller.reload()
    seller.fill("#note-deliver", "Concepts attached to the shared folder")
    act(seller, "deliver", "inspection")
    buyer.reload()
    act(buyer, "confirm", "rating")
    for page, comment in ((buyer, "Lovely work"), (seller, "Paid promptly")):
        page.reload()
        page.select_option("#review-quality", "5")
        page.fill("#review-comment", comment)
        page.get_by_test_id("action-review").click()
    expect(seller.get_by_test_id("stage")).to_have_attribute("data-stage", "closed", timeout=WAIT_MS)

    buyer.reload()
    kinds = buyer.get_by_test_id("timeline-entry").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["offer_made", "accepted", "funded", "delivered", "completed",
                     "review_submitted", "closed"]
    expect(buyer.get_by_test_id("review")).to_have_count(2)
    expect(buyer.get_by_test_id("no-actions")).to_be_visible()

    buyer.goto("/balance")
    expect(buyer.get_by_test_id("posted-balance")).to_contain_text("-240.00")
    seller.goto("/balance")
    expect(seller.get_by_test_id("posted-balance")).to_contain_text("228.00")  # less the 5 % fee
