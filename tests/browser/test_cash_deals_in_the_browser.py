"""A cash deal and a hybrid (EUR + credits) deal, clicked through in Chromium from offer to
rating against the local Stripe server: the seller sets up payouts first, the buyer picks a test
card (a declined one first, for the cash deal), and Stripe and the ledger hold exactly one charge
and one payout less the fee."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from devstack.run import LocalStack
from tests.browser.journeys import (
    WAIT_MS,
    act,
    credit_page,
    deal_id_of,
    fund,
    propose,
    publish,
    register,
    review,
    set_up_payouts,
    timeline_kinds,
)
from tests.e2e.money_checks import assert_money_moved, stripe_for_deal

pytestmark = pytest.mark.browser
CLOSED_TIMELINE = ["delivered", "completed", "review_submitted", "closed"]


def test_a_cash_deal_with_a_declined_card_then_a_good_one(chromium: Browser, running_stack: LocalStack):
    seller = register(chromium, running_stack.url, "Photographer")
    listing_url = publish(seller, "Shop photos, 20 shots", cash="150.00")
    buyer = register(chromium, running_stack.url, "Bakery")
    deal_url = propose(buyer, listing_url, cash="150.00")
    expect(buyer.get_by_test_id("price")).to_have_text("150.00 EUR")

    seller.goto(deal_url)
    seller.get_by_test_id("action-accept").click()  # no payout account yet: refused, with the way out
    expect(seller.get_by_test_id("flash-error")).to_contain_text("set up your Stripe payout account")
    expect(seller.get_by_test_id("stage")).to_have_attribute("data-stage", "proposed")
    set_up_payouts(seller)
    seller.goto(deal_url)
    act(seller, "accept", "funding")

    fund(buyer, "pm_card_chargeDeclined", "funding")
    expect(buyer.get_by_test_id("flash-error")).to_contain_text("your card was declined")
    expect(buyer.get_by_test_id("action-fund")).to_be_visible()  # may pay again, with another card
    assert stripe_for_deal(running_stack, deal_id_of(deal_url)) == {"charges": [], "refunds": [], "transfers": []}
    fund(buyer, "pm_card_visa", "in_delivery")

    seller.reload()
    seller.fill("#note-deliver", "Gallery link sent by email")
    act(seller, "deliver", "inspection")
    buyer.reload()
    act(buyer, "confirm", "rating")
    review(buyer, "Beautiful photos")
    review(seller, "Lovely bakery")
    expect(seller.get_by_test_id("stage")).to_have_attribute("data-stage", "closed", timeout=WAIT_MS)

    assert timeline_kinds(buyer) == ["offer_made", "accepted", "funded", *CLOSED_TIMELINE]
    expect(buyer.get_by_test_id("review")).to_have_count(2)
    for page in (buyer, seller):  # cash never touches the credit accounts
        assert credit_page(page) == {"posted-balance": "0.00 CRD", "pending-holds": "0.00 CRD",
                                     "credit-line": "500.00 CRD", "available-balance": "500.00 CRD"}
    assert_money_moved(running_stack, deal_id_of(deal_url),
                       {"charges": [150_00], "refunds": [], "transfers": [142_50]}, closed=True)


def test_a_hybrid_deal_holds_credits_and_charges_the_card(chromium: Browser, running_stack: LocalStack):
    seller = register(chromium, running_stack.url, "Webdesigner")
    set_up_payouts(seller)
    listing_url = publish(seller, "Landing page", cash="80.00", credits="120.00")
    buyer = register(chromium, running_stack.url, "Accountant")
    deal_url = propose(buyer, listing_url, cash="80.00", credits="120.00")
    expect(buyer.get_by_test_id("model")).to_have_text("Hybrid")

    seller.goto(deal_url)
    act(seller, "accept", "funding")
    buyer.reload()
    expect(buyer.get_by_test_id("fund-amount")).to_have_text("80.00 EUR + 120.00 CRD")
    fund(buyer, "pm_card_visa", "in_delivery")
    assert credit_page(buyer)["pending-holds"] == "120.00 CRD"

    seller.goto(deal_url)
    act(seller, "deliver", "inspection")
    buyer.goto(deal_url)
    act(buyer, "confirm", "rating")
    review(buyer, "Converts well")
    review(seller, "Clear brief")
    expect(seller.get_by_test_id("stage")).to_have_attribute("data-stage", "closed", timeout=WAIT_MS)

    assert timeline_kinds(seller) == ["offer_made", "accepted", "funded", "funded", *CLOSED_TIMELINE]
    assert credit_page(buyer) == {"posted-balance": "-120.00 CRD", "pending-holds": "0.00 CRD",
                                  "credit-line": "500.00 CRD", "available-balance": "380.00 CRD"}
    assert credit_page(seller)["posted-balance"] == "114.00 CRD"  # less the 5 % fee
    assert_money_moved(running_stack, deal_id_of(deal_url),
                       {"charges": [80_00], "refunds": [], "transfers": [76_00]}, closed=True)
