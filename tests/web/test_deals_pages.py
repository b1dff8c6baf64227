"""Deals through the HTML pages and plain forms (no JavaScript), against the real workflow."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Browser, in_days
from tests.web.deal_checks import balance, deals_on_listing, stage_and_version, timeline_kinds


def request_id_of(page: str) -> str:
    return re.search(r'name="request_id" value="([0-9a-f]+)"', page).group(1)


def stage_on(page: str) -> str:
    return re.search(r'data-testid="stage" data-stage="([a-z_]+)"', page).group(1)


def action_buttons(page: str) -> list[str]:
    return re.findall(r'data-testid="action-([a-z_]+)"', page)


def propose(person: Browser, listing_id: int, **fields: str):
    form_page = person.get(f"/listings/{listing_id}/propose").get_data(as_text=True)
    form = {"price_credits": "200.00", "delivery_due_at": in_days(10), "inspection_days": "7",
            "acceptance_criteria": "Three drafts", "request_id": request_id_of(form_page), **fields}
    return person.post(f"/listings/{listing_id}/propose", form)


def deal_id_from(answer) -> str:
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"].rsplit("/", 1)[1]


@pytest.fixture
def parties(visitor, member, listing):
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=200_00, title="Shop sign design")
    return visitor(seller), visitor(buyer), listing_id, seller, buyer


def test_a_credit_deal_runs_through_the_forms(parties, database_url):
    seller, buyer, listing_id, seller_login, buyer_login = parties
    listing_page = buyer.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert f"/listings/{listing_id}/propose" in listing_page
    deal_id = deal_id_from(propose(buyer, listing_id))
    deal_url = f"/deals/{deal_id}"
    page = buyer.get(deal_url).get_data(as_text=True)
    assert stage_on(page) == "proposed" and action_buttons(page) == ["withdraw"]
    assert "Offer expires" in page and "(in 7 days)" in page
    assert set(action_buttons(seller.get(deal_url).get_data(as_text=True))) == {"counter", "accept", "decline"}

    steps = [
        (seller, "accept", {}, "funding"),
        (buyer, "fund", {}, "in_delivery"),
        (seller, "deliver", {"note": "Draft attached"}, "inspection"),
        (buyer, "request_changes", {"note": "Bigger letters"}, "in_delivery"),
        (seller, "deliver", {"note": "Bigger letters done"}, "inspection"),
        (buyer, "confirm", {}, "rating"),
        (buyer, "review", {"quality": "5", "timeliness": "5", "communication": "4", "comment": "Lovely"}, "rating"),
        (seller, "review", {"quality": "4", "timeliness": "4", "communication": "5", "comment": "Paid on time"},
         "closed"),
    ]
    for person, action, form, stage in steps:
        answer = person.post(f"{deal_url}/actions/{action}", form)
        assert answer.status_code == 303 and answer.headers["Location"] == deal_url, action
        page = person.get(deal_url).get_data(as_text=True)
        assert stage_on(page) == stage, action
        assert 'data-testid="flash-success"' in page

    assert timeline_kinds(database_url, deal_id)[-1] == "closed"
    final = buyer.get(deal_url).get_data(as_text=True)
    assert "Lovely" in final and "Paid on time" in final and action_buttons(final) == []
    assert "Bigger letters" in final and seller_login.name in final
    assert balance(database_url, buyer_login.business_id).posted == -200_00
    profile = buyer.get(f"/businesses/{seller_login.business_id}").get_data(as_text=True)
    assert "Lovely" in profile  # revealed reviews are public


def test_the_fund_form_says_what_is_paid_and_what_is_available(parties):
    seller, buyer, listing_id, _seller_login, _buyer_login = parties
    deal_id = deal_id_from(propose(buyer, listing_id, price_credits="150.00"))
    seller.post(f"/deals/{deal_id}/actions/accept")
    page = buyer.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "Pay 150.00 CRD into escrow" in page
    assert re.search(r'data-testid="available-balance">1,000.00 CRD<', page)


def test_a_refused_action_flashes_the_reason_and_changes_nothing(parties, database_url):
    seller, buyer, listing_id, _seller_login, _buyer_login = parties
    deal_id = deal_id_from(propose(buyer, listing_id))
    refused = buyer.post(f"/deals/{deal_id}/actions/accept", headers={"Referer": f"http://localhost/deals/{deal_id}"})
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/deals/{deal_id}")
    page = buyer.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'data-testid="flash-error"' in page and "offer was made to" in page
    assert stage_and_version(database_url, deal_id) == ("proposed", 1)
    assert buyer.post(f"/deals/{deal_id}/actions/dance").status_code == 404


def test_request_changes_needs_a_note(parties):
    seller, buyer, listing_id, _s, _b = parties
    deal_id = deal_id_from(propose(buyer, listing_id))
    for person, action in [(seller, "accept"), (buyer, "fund"), (seller, "deliver")]:
        person.post(f"/deals/{deal_id}/actions/{action}")
    buyer.post(f"/deals/{deal_id}/actions/request_changes", {"note": "   "})
    page = buyer.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert stage_on(page) == "inspection" and "Say what needs to change" in page


def test_a_double_submitted_proposal_opens_one_deal(parties, database_url):
    _seller, buyer, listing_id, _s, _b = parties
    form_page = buyer.get(f"/listings/{listing_id}/propose").get_data(as_text=True)
    form = {"price_credits": "200.00", "delivery_due_at": in_days(9), "request_id": request_id_of(form_page)}
    first = deal_id_from(buyer.post(f"/listings/{listing_id}/propose", form))
    second = deal_id_from(buyer.post(f"/listings/{listing_id}/propose", form))
    assert first == second and deals_on_listing(database_url, listing_id) == 1


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"delivery_due_at": "2001-02-03"}, "delivery_due_at", "must be in the future"),
    ({"delivery_due_at": "next week"}, "delivery_due_at", "Enter a date"),
    ({"inspection_days": "0"}, "inspection_days", "1-30 days"),
    ({"inspection_days": "31"}, "inspection_days", "1-30 days"),
    ({"price_credits": "-1"}, "price_credits", "greater than zero"),
    ({"price_credits": "12.345"}, "price_credits", "two decimals"),
    ({"price_credits": "2000000"}, "price_credits", "1,000,000.00"),
])
def test_a_proposal_with_bad_terms_is_shown_again_with_the_reason(parties, database_url, fields, field, message):
    _seller, buyer, listing_id, _s, _b = parties
    answer = propose(buyer, listing_id, **fields)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f'data-testid="error-{field}"' in page and message in page
    assert deals_on_listing(database_url, listing_id) == 0


def test_other_members_see_404_for_a_deal_and_its_actions(parties, visitor, member):
    _seller, buyer, listing_id, _s, _b = parties
    deal_id = deal_id_from(propose(buyer, listing_id))
    stranger = visitor(member())
    assert stranger.get(f"/deals/{deal_id}").status_code == 404
    assert stranger.post(f"/deals/{deal_id}/actions/accept").status_code == 404
    assert visitor().get(f"/deals/{deal_id}").status_code == 302  # anonymous: log in first


def test_my_deals_lists_mine_with_a_stage_filter(parties):
    seller, buyer, listing_id, _s, _b = parties
    open_deal = deal_id_from(propose(buyer, listing_id))
    accepted = deal_id_from(propose(buyer, listing_id))
    seller.post(f"/deals/{accepted}/actions/accept")
    everything = buyer.get("/deals").get_data(as_text=True)
    assert open_deal in everything and accepted in everything and "Awaiting payment into escrow" in everything
    funding = buyer.get("/deals?stage=funding").get_data(as_text=True)
    assert accepted in funding and open_deal not in funding
    assert buyer.get("/deals?stage=<script>").status_code == 200


def test_ones_own_listing_cannot_be_proposed_on(visitor, member, listing):
    owner = member()
    listing_id = listing(owner)
    page = visitor(owner).get(f"/listings/{listing_id}/propose").get_data(as_text=True)
    assert 'data-testid="own-listing"' in page and "send-offer" not in page
