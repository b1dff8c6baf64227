"""A barter deal clicked through in Chromium: flyers for a boiler repair, with a cash balancing
payment from the plumber (by card, paid out to the printer less the fee) and a credits bond from
each side (held while the deal runs, back at completion). Each side delivers, the other confirms,
both review; the deal page shows both obligations side by side."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

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
from tests.e2e.money_checks import assert_money_moved

pytestmark = pytest.mark.browser


def obligations(page: Page) -> dict[str, str]:
    page.reload()
    return {role: page.get_by_test_id(f"obligation-{role}").get_attribute("data-status") for role in ("seller", "buyer")}


def test_a_barter_deal_with_a_balancing_payment_and_bonds(chromium: Browser, running_stack: LocalStack):
    printer = register(chromium, running_stack.url, "Printer")
    set_up_payouts(printer)  # the balancing payment reaches the printer in cash
    listing_url = publish(printer, "500 flyers", credits="80.00", barter=True)
    plumber = register(chromium, running_stack.url, "Plumber")
    deal_url = propose(plumber, listing_url, cash="30.00", credits="",
                       barter_description="Repair of the print shop's boiler",
                       barter_criteria="Hot water for a week", bond_credits="25.00")
    expect(plumber.get_by_test_id("model")).to_have_text("Barter")
    expect(plumber.get_by_test_id("price")).to_have_text("30.00 EUR from the buyer")
    expect(plumber.get_by_test_id("bond")).to_contain_text("25.00 CRD from each side")

    printer.goto(deal_url)
    act(printer, "accept", "funding")
    printer.reload()
    expect(printer.get_by_test_id("fund-amount")).to_have_text("25.00 CRD")  # the printer owes only its bond
    act(printer, "fund", "funding")
    plumber.reload()
    expect(plumber.get_by_test_id("fund-amount")).to_have_text("30.00 EUR + 25.00 CRD")
    fund(plumber, "pm_card_visa", "in_delivery")
    for page in (printer, plumber):
        assert credit_page(page)["pending-holds"] == "25.00 CRD"

    printer.goto(deal_url)
    printer.fill("#note-deliver", "Flyers at your door")
    act(printer, "deliver", "in_delivery")
    plumber.goto(deal_url)
    assert obligations(plumber) == {"seller": "delivered, being inspected", "buyer": "to be delivered"}
    act(plumber, "confirm", "in_delivery")
    act(plumber, "deliver", "inspection")
    printer.reload()
    assert obligations(printer) == {"seller": "confirmed", "buyer": "delivered, being inspected"}
    act(printer, "confirm", "rating")
    assert obligations(printer) == {"seller": "confirmed", "buyer": "confirmed"}
    review(printer, "Hot water again")
    review(plumber, "Crisp flyers")
    expect(plumber.get_by_test_id("stage")).to_have_attribute("data-stage", "closed", timeout=WAIT_MS)

    # Funded three times: the printer's bond, then the plumber's credits (bond) and card.
    assert timeline_kinds(printer) == [
        "offer_made", "accepted", "funded", "funded", "funded", "delivered", "delivery_confirmed", "delivered",
        "completed", "review_submitted", "closed"]
    expect(printer.get_by_test_id("review")).to_have_count(2)
    for page in (printer, plumber):  # the bonds came back; no credits changed hands
        shown = credit_page(page)
        assert (shown["posted-balance"], shown["pending-holds"]) == ("0.00 CRD", "0.00 CRD")
    assert_money_moved(running_stack, deal_id_of(deal_url),
                       {"charges": [30_00], "refunds": [], "transfers": [28_50]}, closed=True)
