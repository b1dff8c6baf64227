"""What a person does in the browser, step by step, for the deal journeys: register or log in,
publish a listing, set up payouts, propose, act on a deal, review. Each helper clicks and types
like a user and waits for what the user would wait for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page, expect

from devstack.seed import DEMO_PASSWORD

PASSWORD = "correct horse battery"
WAIT_MS = 15_000
ADMIN = "admin@tradepact.example"  # the demo admin verifies new members


def register(browser: Browser, base_url: str, name: str, verified: bool = True) -> Page:
    """A new member; verified (KYB) by the demo admin unless asked otherwise, as deals of any
    size and a credit line need."""
    page = browser.new_context(base_url=base_url).new_page()
    page.goto("/register")
    business = f"{name} {uuid.uuid4().hex[:6]}"
    page.fill("#business_name", business)
    page.fill("#city", "Nantes")
    page.fill("#display_name", name)
    page.fill("#email", f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.test")
    page.fill("#password", PASSWORD)
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    if verified:
        get_verified(browser, base_url, page, business)
    return page


def get_verified(browser: Browser, base_url: str, page: Page, business: str) -> None:
    """The member sends its documents; the demo admin approves the case from the queue."""
    page.goto("/account/verification/")
    page.fill("#registration_number", "RCS Nantes 123 456 789")
    page.fill("#address", "3 rue Crébillon, 44000 Nantes")
    page.fill("#representative", "The owner")
    page.set_input_files("#documents", files=[{"name": "extract.pdf", "mimeType": "application/pdf",
                                               "buffer": b"%PDF-1.7\n%%EOF\n"}])
    page.get_by_test_id("submit-verification").click()
    expect(page.get_by_test_id("verification-status")).to_have_attribute("data-status", "submitted")
    admin = admin_page(browser, base_url)
    admin.goto("/staff/verifications/")
    admin.get_by_role("link", name=business).click()
    admin.get_by_test_id("action-approve").click()
    expect(admin.get_by_test_id("verification-status")).to_have_attribute("data-status", "approved")


_ADMIN_PAGES: dict[tuple[Browser, str], Page] = {}


def admin_page(browser: Browser, base_url: str) -> Page:
    """The demo admin, logged in once per browser: the login form allows an address ten tries
    per minute for one email, and a module's journeys verify more members than that."""
    page = _ADMIN_PAGES.get((browser, base_url))
    if page is None or page.is_closed():
        page = _ADMIN_PAGES[browser, base_url] = log_in(
            browser.new_context(base_url=base_url).new_page(), ADMIN, DEMO_PASSWORD)
    return page


def log_in(page: Page, email: str, password: str) -> Page:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_test_id("login").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    return page


def publish(page: Page, title: str, cash: str = "", credits: str = "", barter: bool = False) -> str:
    """Publish an offer; return the listing's URL."""
    page.goto("/listings/new")
    page.fill("#title", title)
    page.fill("#description", f"{title}, done well")
    page.select_option("#category", index=1)
    page.fill("#price_cash", cash)
    page.fill("#price_credits", credits)
    if barter:
        page.get_by_test_id("open-to-barter").check()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("listing-title")).to_have_text(title)
    return page.url


def set_up_payouts(page: Page) -> None:
    """Account → Payouts → set up with Stripe → the (local) hosted onboarding → back, ready."""
    page.get_by_test_id("nav-payouts").click()
    expect(page.get_by_test_id("payout-status")).to_have_attribute("data-ready", "no")
    page.get_by_test_id("set-up-payouts").click()
    page.get_by_test_id("continue-onboarding").click()  # Stripe's page sends the browser back
    expect(page.get_by_test_id("flash-success")).to_have_text("Your payout account is ready.", timeout=WAIT_MS)
    expect(page.get_by_test_id("payout-status")).to_have_attribute("data-ready", "yes")


def propose(page: Page, listing_url: str, cash: str = "", credits: str = "", **barter: str) -> str:
    """Propose a deal from a listing; return the deal's URL. `barter` fills the barter fields
    (barter_description, barter_criteria, bond_credits)."""
    page.goto(listing_url)
    page.get_by_test_id("propose").click()
    page.fill("#price_cash", cash)
    page.fill("#price_credits", credits)
    page.fill("#delivery_due_at", (datetime.now(UTC) + timedelta(days=10)).date().isoformat())
    page.fill("#inspection_days", "3")
    page.fill("#acceptance_criteria", "Everything listed, on time")
    for field, value in barter.items():
        page.fill(f"#{field}", value)
    page.get_by_test_id("send-offer").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "proposed", timeout=WAIT_MS)
    return page.url


def act(page: Page, action: str, expected_stage: str) -> None:
    page.get_by_test_id(f"action-{action}").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", expected_stage, timeout=WAIT_MS)


def fund(page: Page, card: str, expected_stage: str) -> None:
    page.reload()
    page.get_by_test_id("fund-card").select_option(card)
    act(page, "fund", expected_stage)


def review(page: Page, comment: str) -> None:
    page.reload()
    page.select_option("#review-quality", "5")
    page.fill("#review-comment", comment)
    page.get_by_test_id("action-review").click()
    expect(page.get_by_test_id("flash-success")).to_be_visible(timeout=WAIT_MS)


def timeline_kinds(page: Page) -> list[str]:
    page.reload()
    return page.get_by_test_id("timeline-entry").evaluate_all("els => els.map(e => e.dataset.kind)")


def credit_page(page: Page) -> dict[str, str]:
    """The member's credit page as shown: balance, holds, credit line, available."""
    page.goto("/balance")
    return {name: page.get_by_test_id(name).inner_text()
            for name in ("posted-balance", "pending-holds", "credit-line", "available-balance")}


def deal_id_of(deal_url: str) -> str:
    return deal_url.rstrip("/").rsplit("/", 1)[1]
