"""The staff overview and read-only deal page: real numbers for staff, 404 for members."""

from __future__ import annotations

import re

import pytest

from tests.builders import a_staff_user
from tests.web.conftest import proposal


@pytest.mark.parametrize("role", ["admin", "finance", "arbitrator"])
def test_staff_see_the_overview_with_real_numbers(visitor, database_url, role, api, member, listing):
    seller, buyer = member(), member()
    deal_id = api(buyer).post("/api/v1/deals", proposal(listing(seller))).json["deal_id"]
    page = visitor(a_staff_user(database_url, role)).get("/staff/").get_data(as_text=True)
    members = int(re.search(r'data-testid="member-count">(\d+)<', page).group(1))
    proposed = int(re.search(r'data-testid="stage-count-proposed">(\d+)<', page).group(1))
    assert members >= 2 and proposed >= 1
    assert f"/staff/deals/{deal_id}" in page
    assert 'data-testid="trial-balance-CRD">CRD: <strong>0.00 CRD</strong>' in page


def test_the_staff_deal_page_is_read_only(visitor, database_url, api, member, listing):
    seller, buyer = member(), member()
    deal_id = api(buyer).post("/api/v1/deals", proposal(listing(seller))).json["deal_id"]
    page = visitor(a_staff_user(database_url, "arbitrator")).get(f"/staff/deals/{deal_id}").get_data(as_text=True)
    assert 'data-stage="proposed"' in page and seller.name in page and buyer.name in page
    assert "data-testid=\"action-" not in page and "offer_made" in page
    assert visitor(a_staff_user(database_url, "admin")).get("/staff/deals/nope").status_code == 404


def test_members_get_404_on_staff_pages_and_visitors_log_in(visitor, client, member, api, listing):
    seller, buyer = member(), member()
    deal_id = api(buyer).post("/api/v1/deals", proposal(listing(seller))).json["deal_id"]
    person = visitor(buyer)
    assert person.get("/staff/").status_code == 404
    assert person.get(f"/staff/deals/{deal_id}").status_code == 404
    assert "Staff" not in person.get("/").get_data(as_text=True).split("</nav>")[0]
    assert client.get("/staff/").status_code == 302
