"""A party's dispute pages: opening one from the deal page, settlement offers, evidence uploads,
and who may see what (another member, staff: 404). Real Temporal, worker and PostgreSQL."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re

import pytest

from devstack.ports import free_port
from tests.builders import a_business, a_staff_user
from tests.web.conftest import Browser
from tests.web.deal_checks import balance, stage_and_version
from tests.web.dispute_setup import (
    delivered_credit_deal,
    short_policy,
    stored_files,
    wait_for_deal_stage,
    wait_for_stage,
)
from tests.workflows.dispute_driver import assert_ledger_invariants
from web import create_app

OPEN = {"reason": "not_as_described", "details": "Two of the three drafts are missing",
        "asked_for": "A refund of half the price"}


@pytest.fixture
def deal(deal_worker, database_url):
    return delivered_credit_deal(deal_worker, database_url, short_policy())


@pytest.fixture
def arbitrator(database_url):
    return a_staff_user(database_url, "arbitrator")  # so the pool is never empty


def test_a_party_opens_a_dispute_from_the_deal_page_and_both_see_it(visitor, database_url, deal, arbitrator):
    buyer, seller = visitor(deal.buyer), visitor(deal.seller)
    deal_page = buyer.get(f"/deals/{deal.deal_id}").get_data(as_text=True)
    assert 'data-testid="form-open-dispute"' in deal_page and "Not as described" in deal_page

    missing = buyer.post(f"/deals/{deal.deal_id}/dispute", {"details": "x", "asked_for": "y"})
    assert missing.status_code == 422 and 'data-testid="error-reason"' in missing.get_data(as_text=True)
    bad_reason = buyer.post(f"/deals/{deal.deal_id}/dispute", {**OPEN, "reason": "bored"})
    assert bad_reason.status_code == 422 and "Choose a reason from the list." in bad_reason.get_data(as_text=True)

    opened = buyer.post(f"/deals/{deal.deal_id}/dispute", OPEN)
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/deals/{deal.deal_id}/dispute")
    page = buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert 'data-stage="settlement_talks"' in page and "Settlement talks end" in page
    assert 'data-kind="dispute_opened"' in page and "Two of the three drafts are missing" in page
    assert 'data-testid="form-offer_settlement"' in page and 'data-testid="form-withdraw"' in page

    seller_page = seller.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert 'data-stage="settlement_talks"' in seller_page and 'data-testid="form-withdraw"' not in seller_page
    deal_page = seller.get(f"/deals/{deal.deal_id}").get_data(as_text=True)
    assert 'data-testid="deal-dispute-stage" data-stage="settlement_talks"' in deal_page
    assert 'data-stage="disputed"' in deal_page and 'data-testid="form-open-dispute"' not in deal_page

    again = seller.post(f"/deals/{deal.deal_id}/dispute", OPEN, follow_redirects=True)
    assert "already disputed" in again.get_data(as_text=True)


def test_another_member_and_staff_get_404_on_a_dispute(visitor, database_url, deal, arbitrator):
    visitor(deal.buyer).post(f"/deals/{deal.deal_id}/dispute", OPEN)
    stranger = visitor(a_business(database_url))
    for url in (f"/deals/{deal.deal_id}/dispute", f"/deals/{deal.deal_id}/dispute/files/{'0' * 64}"):
        assert stranger.get(url).status_code == 404
    for url in ("", "/offers", "/accept", "/evidence", "/appeal", "/withdraw"):
        assert stranger.post(f"/deals/{deal.deal_id}/dispute{url}", OPEN).status_code == 404, url
    for role in ("finance", "arbitrator", "admin"):
        assert visitor(a_staff_user(database_url, role)).get(f"/deals/{deal.deal_id}/dispute").status_code == 404


def test_an_accepted_settlement_offer_moves_the_money_as_offered(visitor, database_url, deal, arbitrator):
    buyer, seller = visitor(deal.buyer), visitor(deal.seller)
    buyer.post(f"/deals/{deal.deal_id}/dispute", OPEN)

    too_much = seller.post(f"/deals/{deal.deal_id}/dispute/offers",
                           {"CRD_decision": "split_by_percent", "CRD_refund_percent": "150", "reasons": "Fair?"})
    assert too_much.status_code == 422 and "from 0 to 100" in too_much.get_data(as_text=True)
    not_held = seller.post(f"/deals/{deal.deal_id}/dispute/offers",
                           {"CRD_decision": "split_by_amount", "CRD_to_payee": "80.00", "CRD_to_payer": "30.00",
                            "reasons": "Fair?"})
    assert not_held.status_code == 422 and "100.00 CRD is held" in not_held.get_data(as_text=True)
    offered = seller.post(f"/deals/{deal.deal_id}/dispute/offers",
                          {"CRD_decision": "split_by_percent", "CRD_refund_percent": "30", "reasons": "One draft late"})
    assert offered.status_code == 303

    own = seller.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert 'data-testid="offer" data-number="1"' in own and 'data-testid="form-accept_settlement"' not in own
    refused = seller.post(f"/deals/{deal.deal_id}/dispute/accept", {"offer_number": "1"}, follow_redirects=True)
    assert "you made this offer" in refused.get_data(as_text=True)

    page = buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert "30.00 CRD back to the buyer" in page and 'data-testid="form-accept_settlement"' in page
    assert buyer.post(f"/deals/{deal.deal_id}/dispute/accept", {"offer_number": "1"}).status_code == 303

    wait_for_deal_stage(database_url, deal.deal_id, "rating")
    assert 'data-stage="settled"' in buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    # 30.00 back to the buyer; 70.00 to the seller less the 5 % commission; no dispute fee on a settlement.
    assert balance(database_url, deal.buyer.business_id).posted == -70_00
    assert balance(database_url, deal.seller.business_id).posted == 66_50
    assert_ledger_invariants(database_url, deal.deal_id)


def test_evidence_is_refused_with_the_reason_or_kept_with_its_sha256(visitor, database_url, deal_worker, arbitrator):
    deal = delivered_credit_deal(deal_worker, database_url, short_policy(settlement_s=1))
    buyer, seller = visitor(deal.buyer), visitor(deal.seller)
    early = buyer.post(f"/deals/{deal.deal_id}/dispute", OPEN)
    assert early.status_code == 303
    wait_for_stage(database_url, deal.deal_id, "evidence")

    url = f"/deals/{deal.deal_id}/dispute/evidence"
    page_html = b"<html><script>alert(1)</script></html>"
    wrong_type = buyer.post(url, {"statement": "See the page", "files": (_io(page_html), "drafts.html")},
                            content_type="multipart/form-data")
    assert wrong_type.status_code == 422
    assert "files of type text/html are not accepted" in wrong_type.get_data(as_text=True)
    too_big = buyer.post(url, {"statement": "Scan", "files": (_io(b"x" * 3_000), "scan.pdf")},
                         content_type="multipart/form-data")
    assert too_big.status_code == 422 and "files are limited to" in too_big.get_data(as_text=True)
    empty = buyer.post(url, {}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "submit a statement, a file, or both" in empty.get_data(as_text=True)
    assert stored_files(database_url, deal.deal_id) == 0

    notes = b"Draft 1: delivered 3 Nov.\nDraft 2: missing.\nDraft 3: missing.\n"
    kept = buyer.post(url, {"statement": "Only one draft arrived", "files": (_io(notes), "drafts.txt")},
                      content_type="multipart/form-data")
    assert kept.status_code == 303
    assert seller.post(url, {"statement": "All three are in the shared folder"}).status_code == 303

    page = seller.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    digest = hashlib.sha256(notes).hexdigest()
    assert f'data-testid="evidence-sha256">{digest}<' in page and "Only one draft arrived" in page
    assert "All three are in the shared folder" in page and stored_files(database_url, deal.deal_id) == 1
    download = seller.get(f"/deals/{deal.deal_id}/dispute/files/{digest}")
    assert download.status_code == 200 and download.data == notes
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert visitor(a_business(database_url)).get(f"/deals/{deal.deal_id}/dispute/files/{digest}").status_code == 404


def _io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def test_the_opener_may_withdraw_and_the_deal_goes_on_where_it_stood(visitor, database_url, deal, arbitrator):
    buyer, seller = visitor(deal.buyer), visitor(deal.seller)
    buyer.post(f"/deals/{deal.deal_id}/dispute", OPEN)
    refused = seller.post(f"/deals/{deal.deal_id}/dispute/withdraw", {"note": "no"}, follow_redirects=True)
    assert "only the party that opened the dispute may withdraw it" in refused.get_data(as_text=True)

    assert buyer.post(f"/deals/{deal.deal_id}/dispute/withdraw", {"note": "Sorted out by phone"}).status_code == 303
    wait_for_deal_stage(database_url, deal.deal_id, "inspection")
    page = buyer.get(f"/deals/{deal.deal_id}").get_data(as_text=True)
    assert 'data-testid="deal-dispute-stage" data-stage="withdrawn"' in page
    assert 'data-testid="form-open-dispute"' not in page and 'data-testid="action-confirm"' in page
    assert "Sorted out by phone" in buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)


def test_dispute_pages_carry_no_inline_script_or_style_and_staff_find_them_in_the_menu(visitor, database_url, deal):
    buyer = visitor(deal.buyer)
    buyer.post(f"/deals/{deal.deal_id}/dispute", OPEN)
    admin, judge = visitor(a_staff_user(database_url, "admin")), visitor(a_staff_user(database_url, "arbitrator"))
    pages = [buyer.get(f"/deals/{deal.deal_id}"), buyer.get(f"/deals/{deal.deal_id}/dispute"),
             judge.get("/desk/"), admin.get("/staff/disputes/"), admin.get(f"/desk/cases/{deal.deal_id}")]
    for answer in pages:
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200
        assert " style=" not in html and "<style" not in html
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    menu = {who: page.get_data(as_text=True) for who, page in (("member", pages[0]), ("arbitrator", pages[2]),
                                                                 ("admin", pages[3]))}
    assert 'data-testid="nav-desk"' not in menu["member"] and 'data-testid="nav-disputes"' not in menu["member"]
    assert 'data-testid="nav-desk"' in menu["arbitrator"] and 'data-testid="nav-disputes"' not in menu["arbitrator"]
    assert 'data-testid="nav-desk"' in menu["admin"] and 'data-testid="nav-disputes"' in menu["admin"]


def test_with_the_workflow_service_away_opening_a_dispute_says_try_again(settings, database_url, deal):
    closed = dataclasses.replace(settings, temporal_address=f"127.0.0.1:{free_port()}")
    person = Browser(create_app(closed, config={"TESTING": True, "ARGON2_FAST": True}).test_client())
    person.log_in(deal.buyer)
    answer = person.post(f"/deals/{deal.deal_id}/dispute", OPEN,
                         headers={"Referer": f"http://localhost/deals/{deal.deal_id}"})
    assert answer.status_code == 303
    assert "try again" in person.get(answer.headers["Location"]).get_data(as_text=True)
    assert stage_and_version(database_url, deal.deal_id)[0] == "inspection"
