"""Cash, hybrid and barter deals through the API and the forms, on the real worker, PostgreSQL and
the local Stripe server: payouts set up before a cash deal starts, cards chosen at funding, and
barter's two deliveries side by side."""

from __future__ import annotations

import re

import pytest
import requests

from tests.web.conftest import Api, Browser, in_days
from tests.web.deal_checks import balance, timeline_kinds
from tests.workflows.test_credit_deal import assert_ledger_invariants

HYBRID = [{"amount_minor": 60_00, "currency": "EUR"}, {"amount_minor": 40_00, "currency": "CRD"}]


def act(caller: Api, deal_id: str, action: str, body: dict | None = None):
    return caller.post(f"/api/v1/deals/{deal_id}/actions/{action}", body or {})


def set_up_payouts(caller: Api) -> None:
    link = caller.post("/api/v1/payouts", {})
    assert link.status_code == 200 and link.json["ready"] is False, link.json
    requests.get(link.json["onboarding_url"], allow_redirects=False, timeout=5).raise_for_status()  # the seller at Stripe
    assert caller.get("/api/v1/payouts").json["ready"] is True


def a_hybrid_deal(api, member, listing, *steps: str, payouts: bool = True):
    """A 60 EUR + 40 CRD deal proposed by a buyer, the seller's payouts set up (unless told
    not to), walked through `steps` ("accept", "fund", "deliver", "confirm")."""
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=40_00, cash_minor=60_00)
    seller_api, buyer_api = api(seller), api(buyer)
    answer = buyer_api.post("/api/v1/deals", {"listing_id": listing_id, "price": HYBRID,
                                              "delivery_due_at": in_days(10)})
    assert answer.status_code == 201, answer.json
    deal_id = answer.json["deal_id"]
    if payouts:
        set_up_payouts(seller_api)
    for action in steps:
        caller = seller_api if action in ("accept", "deliver") else buyer_api
        assert act(caller, deal_id, action).status_code == 200, action
    return seller_api, buyer_api, deal_id, seller, buyer


@pytest.fixture
def hybrid_pair(api, member, listing):
    return a_hybrid_deal(api, member, listing, payouts=False)


def test_a_hybrid_deal_needs_the_sellers_payout_account_then_runs_to_completion(hybrid_pair, database_url):
    seller_api, buyer_api, deal_id, seller, buyer = hybrid_pair
    shown = buyer_api.get(f"/api/v1/deals/{deal_id}").json
    assert [p["display"] for p in shown["terms"]["price"]] == ["60.00 EUR", "40.00 CRD"]

    refused = act(seller_api, deal_id, "accept")
    assert refused.status_code == 409 and "set up your Stripe payout account" in refused.json["message"]
    assert timeline_kinds(database_url, deal_id) == ["offer_made"]  # nothing changed

    set_up_payouts(seller_api)
    assert act(seller_api, deal_id, "accept").json["stage"] == "funding"

    declined = act(buyer_api, deal_id, "fund", {"payment_method": "pm_card_chargeDeclined"})
    assert declined.status_code == 409 and "declined" in declined.json["message"]
    assert buyer_api.get(f"/api/v1/deals/{deal_id}").json["stage"] == "funding"
    assert act(buyer_api, deal_id, "fund", {"payment_method": "pm_card_visa"}).json["stage"] == "in_delivery"

    assert act(seller_api, deal_id, "deliver").json["stage"] == "inspection"
    assert act(buyer_api, deal_id, "confirm").json["stage"] == "rating"
    assert balance(database_url, seller.business_id).posted == 38_00  # 40 credits less the 2.00 fee
    assert_ledger_invariants(database_url, deal_id, closed=True)


def test_a_bad_card_id_is_a_field_error(hybrid_pair):
    seller_api, buyer_api, deal_id, _seller, _buyer = hybrid_pair
    set_up_payouts(seller_api)
    act(seller_api, deal_id, "accept")
    answer = act(buyer_api, deal_id, "fund", {"payment_method": "4242 4242 4242 4242"})
    assert answer.status_code == 422 and "payment_method" in answer.json["errors"]


def test_the_buyer_cannot_accept_a_cash_counter_before_the_seller_can_be_paid(api, member, listing):
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=None, cash_minor=90_00)
    seller_api, buyer_api = api(seller), api(buyer)
    deal_id = buyer_api.post("/api/v1/deals", {"listing_id": listing_id, "delivery_due_at": in_days(10),
                                               "price": {"amount_minor": 80_00, "currency": "EUR"}}).json["deal_id"]
    act(seller_api, deal_id, "counter", {"price": {"amount_minor": 85_00, "currency": "EUR"}})
    refused = act(buyer_api, deal_id, "accept")
    assert refused.status_code == 409 and "the other side has not set up its Stripe payout account" in \
        refused.json["message"]


def test_the_payouts_page_sets_up_the_account_through_stripe(visitor, member):
    person = visitor(member())
    page = person.get("/account/payouts").get_data(as_text=True)
    assert 'data-ready="no"' in page and "not set up" in page
    shown = person.post("/account/payouts").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="continue-onboarding"', shown).group(1)
    requests.get(link.replace("&amp;", "&"), allow_redirects=False, timeout=5).raise_for_status()
    assert person.get("/account/payouts/return").status_code == 303
    assert 'data-ready="yes"' in person.get("/account/payouts").get_data(as_text=True)


def barter_form(person: Browser, listing_id: int, **fields: str):
    form_page = person.get(f"/listings/{listing_id}/propose").get_data(as_text=True)
    request_id = re.search(r'name="request_id" value="([^"]+)"', form_page).group(1)
    form = {"price_credits": "", "delivery_due_at": in_days(10), "request_id": request_id,
            "barter_description": "Repair of the shop's boiler", "barter_criteria": "Hot water for a week",
            "bond_credits": "25.00", **fields}
    return person.post(f"/listings/{listing_id}/propose", {k: v for k, v in form.items() if v})


def test_a_barter_deal_runs_through_the_forms_with_both_deliveries_side_by_side(
        visitor, member, listing, database_url):
    owner, other = member(), member()
    listing_id = listing(owner, price_minor=80_00, title="500 flyers", open_to_barter=True)
    printer, plumber = visitor(owner), visitor(other)
    answer = barter_form(plumber, listing_id, price_credits="15.00")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    deal_url = answer.headers["Location"]
    deal_id = deal_url.rsplit("/", 1)[1]

    printer.post(f"/deals/{deal_id}/actions/accept")
    page = printer.get(deal_url).get_data(as_text=True)
    assert "Pay 25.00 CRD into escrow" in page  # the printer owes only its bond
    for person in (plumber, printer):
        assert person.post(f"/deals/{deal_id}/actions/fund").status_code == 303
    assert balance(database_url, other.business_id).pending_out == 40_00  # balancing 15 + bond 25

    printer.post(f"/deals/{deal_id}/actions/deliver", {"note": "Flyers at your door"})
    page = plumber.get(deal_url).get_data(as_text=True)
    assert re.search(r'data-testid="obligation-seller" data-status="delivered, being inspected"', page)
    assert re.search(r'data-testid="obligation-buyer" data-status="to be delivered"', page)
    assert 'data-testid="action-confirm"' in page and 'data-testid="action-deliver"' in page
    plumber.post(f"/deals/{deal_id}/actions/confirm")
    plumber.post(f"/deals/{deal_id}/actions/deliver")
    printer.post(f"/deals/{deal_id}/actions/confirm")

    page = printer.get(deal_url).get_data(as_text=True)
    assert 'data-stage="rating"' in page
    assert balance(database_url, other.business_id).pending_out == 0  # bond back, payment made
    assert balance(database_url, owner.business_id).posted == 15_00 - 1_00  # less the minimum fee
    assert timeline_kinds(database_url, deal_id) == [
        "offer_made", "accepted", "funded", "funded", "delivered", "delivery_confirmed", "delivered", "completed"]
    assert_ledger_invariants(database_url, deal_id, closed=True)


def test_barter_is_refused_on_a_listing_not_open_to_it(api, member, listing):
    seller, buyer = member(), member()
    listing_id = listing(seller)
    answer = api(buyer).post("/api/v1/deals", {"listing_id": listing_id, "delivery_due_at": in_days(10),
                                               "barter": {"description": "A boiler repair"}})
    assert answer.status_code == 422 and "not open to barter" in answer.json["errors"]["barter"][0]
