"""The inbox (notifications from deal steps) and the credit balance page, in HTML and JSON."""

from __future__ import annotations

import re

from tests.web.conftest import proposal


def a_deal_with_news(api, member, listing) -> tuple:
    """A seller who received an offer (one unread notification), and the buyer's API."""
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=60_00)
    buyer_api = api(buyer)
    deal_id = buyer_api.post("/api/v1/deals", proposal(listing_id, price_minor=60_00)).json["deal_id"]
    return seller, buyer, buyer_api, deal_id


def test_the_inbox_shows_news_unread_first_and_marks_it_read(visitor, api, member, listing):
    seller, _buyer, _buyer_api, deal_id = a_deal_with_news(api, member, listing)
    person = visitor(seller)
    page = person.get("/inbox").get_data(as_text=True)
    assert 'data-testid="unread-count" aria-label="1 unread">1<' in page
    assert "New offer" in page and 'data-read="no"' in page and f"/deals/{deal_id}" in page
    notification_id = re.search(r'/inbox/(\d+)/read', page).group(1)
    assert person.post(f"/inbox/{notification_id}/read").status_code == 303
    page = person.get("/inbox").get_data(as_text=True)
    assert 'data-read="yes"' in page and 'data-testid="unread-count"' not in page


def test_mark_all_read_and_nobody_elses_notifications(visitor, api, member, listing):
    seller, buyer, buyer_api, deal_id = a_deal_with_news(api, member, listing)
    seller_api = api(seller)
    seller_api.post(f"/api/v1/deals/{deal_id}/actions/accept")
    buyer_page = visitor(buyer).get("/inbox").get_data(as_text=True)
    assert "Offer accepted" in buyer_page
    buyers_notification = re.search(r'/inbox/(\d+)/read', buyer_page).group(1)
    seller_person = visitor(seller)
    assert seller_person.post(f"/inbox/{buyers_notification}/read").status_code == 404
    assert seller_api.post(f"/api/v1/notifications/{buyers_notification}/read").status_code == 404
    assert seller_person.post("/inbox/read-all").status_code == 303
    assert 'data-read="no"' not in seller_person.get("/inbox").get_data(as_text=True)


def test_notifications_in_the_api(api, member, listing):
    seller, _buyer, _buyer_api, deal_id = a_deal_with_news(api, member, listing)
    seller_api = api(seller)
    inbox = seller_api.get("/api/v1/notifications").json
    assert inbox["unread"] == 1 and inbox["items"][0]["deal_id"] == deal_id
    first = inbox["items"][0]["id"]
    marked = seller_api.post(f"/api/v1/notifications/{first}/read")
    assert marked.status_code == 200 and marked.json["read_at"] is not None
    assert seller_api.get("/api/v1/notifications").json["unread"] == 0
    assert api().get("/api/v1/notifications").status_code == 401


def test_the_balance_page_shows_holds_line_and_statement(visitor, api, member, listing):
    seller, buyer, buyer_api, deal_id = a_deal_with_news(api, member, listing)
    api(seller).post(f"/api/v1/deals/{deal_id}/actions/accept")
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/actions/fund").status_code == 200
    page = visitor(buyer).get("/balance").get_data(as_text=True)
    assert 'data-testid="available-balance">940.00 CRD<' in page  # 1,000.00 line less the 60.00 hold
    assert 'data-testid="pending-holds">60.00 CRD<' in page
    assert 'data-testid="credit-line">1,000.00 CRD<' in page
    assert 'data-testid="posted-balance">0.00 CRD<' in page
    assert "(held)" in page and "-60.00 CRD" in page
    statement = buyer_api.get("/api/v1/balance").json
    assert statement["balance"]["available"] == 940_00 and statement["statement"][0]["pending"] is True


def test_account_pages_need_a_member(visitor, client, database_url):
    from tests.builders import a_staff_user

    assert client.get("/inbox").status_code == 302 and client.get("/balance").status_code == 302
    staff = visitor(a_staff_user(database_url, "finance"))
    assert staff.get("/inbox").status_code == 404 and staff.get("/balance").status_code == 404
