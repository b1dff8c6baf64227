"""Negotiation on the real workflow: a counter-offer may change the acceptance criteria, and the
deal page lists each counter-offer's changes (old → new) next to the terms now in force."""

from __future__ import annotations

import html
import re

from tests.web.test_deal_messages import proposed  # noqa: F401  (the fixture)
from tests.web.test_deals_api import act
from tests.web.test_deals_pages import deal_id_from, propose


def counter_changes(page: str) -> list[list[str]]:
    lists = re.findall(r'<ul data-testid="counter-changes">(.*?)</ul>', page, re.S)
    return [[html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found)] for found in lists]


def test_a_counter_offer_through_the_form_shows_what_changed_on_the_deal_page(visitor, member, listing):
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=200_00)
    seller_page, buyer_page = visitor(seller), visitor(buyer)
    deal_id = deal_id_from(propose(buyer_page, listing_id))
    form = seller_page.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'name="acceptance_criteria"' in form and ">Three drafts</textarea>" in form

    countered = seller_page.post(f"/deals/{deal_id}/actions/counter", {
        "price_credits": "240.00", "delivery_due_at": "", "inspection_days": "7",
        "acceptance_criteria": "Two drafts & one revision"})
    assert countered.status_code == 303, countered.get_data(as_text=True)
    page = buyer_page.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert counter_changes(page) == [[
        "price 200.00 CRD → 240.00 CRD",
        "acceptance criteria of the seller's service “Three drafts” → “Two drafts & one revision”"]]
    assert "<dt>Acceptance criteria</dt><dd>Two drafts &amp; one revision</dd>" in page  # the terms in force


def test_through_the_api_a_counter_offer_changes_the_criteria_within_the_limit(proposed):  # noqa: F811
    deal_id, buyer_api, seller_api, *_ = proposed
    too_long = act(seller_api, deal_id, "counter", {"acceptance_criteria": "x" * 5_001})
    assert too_long.status_code == 422 and "acceptance_criteria" in too_long.json["errors"]
    same = act(seller_api, deal_id, "counter", {"acceptance_criteria": "Three drafts, vector files"})
    assert same.status_code == 422 and "must change something" in same.json["message"]
    changed = act(seller_api, deal_id, "counter", {"acceptance_criteria": "Vector files only"})
    assert changed.status_code == 200, changed.json
    assert "“Three drafts, vector files” → “Vector files only”" in changed.json["summary"]
    obligations = buyer_api.get(f"/api/v1/deals/{deal_id}").json["terms"]["obligations"]
    assert [(o["provider"], o["acceptance_criteria"]) for o in obligations] == [("seller", "Vector files only")]
