"""A barter ring clicked through in Chromium: three new businesses register, get verified,
publish an offer and a want each, see their matches, are proposed the ring, all accept it, and
each delivers its service to the next; the ring completes with every bond back."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from devstack.run import LocalStack
from tests.browser.journeys import act, credit_page, register

pytestmark = pytest.mark.browser
# Each wants what the next offers: (name, category offered, title offered).
SERVICES = [("Baker", "bookkeeping", "Bookkeeping for a bakery"), ("Designer", "logo-design", "A new logo"),
            ("Developer", "web-development", "An online shop")]


def publish_listing(page: Page, kind: str, category: str, title: str, city: str) -> None:
    """A listing open to barter only, done on site in `city`, through the Publish form."""
    page.goto("/listings/new")
    page.check(f'input[name="kind"][value="{kind}"]')
    page.fill("#title", title)
    page.fill("#description", f"{title}, in person")
    page.select_option("#category", category)
    page.get_by_test_id("open-to-barter").check()
    page.check('input[name="delivery_mode"][value="on_site"]')
    page.fill("#city", city)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("listing-title")).to_have_text(title)


def until_shown(page: Page, test_id: str, tries: int = 30) -> None:
    """Reload until the workflows' work appears (matching and ring steps are asynchronous)."""
    for _ in range(tries):
        if page.get_by_test_id(test_id).count():
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_test_id(test_id).first).to_be_visible()


def ring_status(page: Page, status: str) -> None:
    for _ in range(40):
        page.reload()
        if page.get_by_test_id("ring-status").get_attribute("data-status") == status:
            return
        page.wait_for_timeout(500)
    expect(page.get_by_test_id("ring-status")).to_have_attribute("data-status", status)


def leg_url(page: Page, index: int) -> str:
    link = page.get_by_test_id("ring-leg").nth(index).get_by_test_id("ring-leg-deal")
    href = link.get_attribute("href")
    assert href
    return href


def test_three_new_businesses_complete_a_barter_ring(chromium: Browser, running_stack: LocalStack):
    city = f"Ringtown {uuid.uuid4().hex[:8]}"
    members = [register(chromium, running_stack.url, name) for name, _, _ in SERVICES]
    for i, page in enumerate(members):
        _, category, title = SERVICES[i]
        _, wanted, wanted_title = SERVICES[(i + 1) % 3]
        publish_listing(page, "offer", category, title, city)
        publish_listing(page, "want", wanted, f"Wanted: {wanted_title}", city)

    for i, page in enumerate(members):
        page.get_by_test_id("nav-matches").click()
        until_shown(page, "match")
        expect(page.get_by_test_id("matches-wants")).to_contain_text(SERVICES[(i + 1) % 3][2])
        expect(page.get_by_test_id("match-reasons").first).to_contain_text("the same category")

    for page in members:
        page.get_by_test_id("nav-rings").click()
        until_shown(page, "ring-row")
        page.get_by_test_id("ring-row").first.get_by_role("link").click()
        expect(page.get_by_test_id("ring-status")).to_have_attribute("data-status", "proposed")
        expect(page.get_by_test_id("ring-deadline")).to_be_visible()
        page.get_by_role("button", name="Accept ring").click()
        expect(page.get_by_test_id("flash-success")).to_contain_text("You accepted the barter ring")
    ring_status(members[0], "running")
    ring_url = members[0].url
    expect(members[0].get_by_test_id("ring-answer").filter(has_text="accepted")).to_have_count(3)
    for page in members:
        assert credit_page(page)["pending-holds"] == "50.00 CRD"  # each provider's bond

    for i in range(3):  # leg i: member i+1 serves member i
        seller, buyer = members[(i + 1) % 3], members[i]
        buyer.goto(ring_url)
        deal_url = leg_url(buyer, i)
        seller.goto(deal_url)
        expect(seller.get_by_test_id("deal-ring")).to_be_visible()
        seller.fill("#note-deliver", "Done, as agreed")
        act(seller, "deliver", "inspection")
        buyer.goto(deal_url)
        act(buyer, "confirm", "rating")

    members[1].goto(ring_url)
    ring_status(members[1], "completed")
    expect(members[1].get_by_test_id("ring-leg").and_(members[1].locator('[data-stage="rating"]'))).to_have_count(3)
    for page in members:  # every bond back; nobody paid anybody
        shown = credit_page(page)
        assert (shown["posted-balance"], shown["pending-holds"]) == ("0.00 CRD", "0.00 CRD")
