"""The operator metrics on `/staff/metrics` and `GET /api/v1/staff/metrics`, over real rows.

The database is shared by the whole test session, so the worked example lives in March 2020,
where nothing else writes: listings and deals are dated there, the deals written step by step
through the read model's own `claim_step` from the domain's transitions on a 2020 clock. Fees
cannot be back-dated (the ledger stamps its transfers), so the fee check books one in GBP, a
currency no other test uses, this week.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import update

from domain.deal import start_deal
from domain.ledger import Posting, Transfer, platform_fees_account, stripe_clearing_account
from domain.money import Money, credits
from domain.terms import DealTerms, Leg, Obligation, Role
from integrations.db.app_models import Listing
from integrations.db.ledger import Ledger
from integrations.db.read_model import claim_step
from integrations.db.session import unit_of_work
from tests.builders import a_listing, a_staff_user

MARCH = dt.datetime(2020, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
PERIOD = "weeks=2&until=2020-03-15"


def on(day: int, hour: int = 9) -> dt.datetime:
    return MARCH.replace(day=day, hour=hour)


def a_listing_published(database_url: str, business_id: int, kind: str, at: dt.datetime) -> None:
    listing_id = a_listing(database_url, business_id, kind=kind)
    with unit_of_work(database_url) as session:
        session.execute(update(Listing).where(Listing.id == listing_id).values(created_at=at))


def record(database_url: str, *outcomes) -> None:
    with unit_of_work(database_url) as session:
        for outcome in outcomes:
            claim_step(session, outcome.deal, outcome.step)


def terms(at: dt.datetime, price_minor: int = 0, barter: bool = False) -> DealTerms:
    obligations = (Obligation(Role.SELLER, "Flyers", "500 copies"),)
    if barter:
        obligations += (Obligation(Role.BUYER, "A boiler repair", "Hot water again"),)
    legs = () if barter else (Leg(Role.BUYER, credits(price_minor)),)
    return DealTerms("Flyers", legs, obligations, at + dt.timedelta(days=20))


def a_completed_credit_deal(database_url: str, buyer: int, seller: int, price_minor: int, day: int,
                            disputed: bool = False) -> None:
    """Proposed on `day`, delivered that day, completed the next (after a withdrawn dispute, if asked)."""
    steps = [start_deal(uuid.uuid4().hex[:20], buyer, seller, buyer, terms(on(day), price_minor), on(day))]
    steps.append(steps[-1].deal.accept(seller, on(day, 10)))
    steps.append(steps[-1].deal.fund(buyer, on(day, 11)))
    steps.append(steps[-1].deal.deliver(seller, on(day, 12)))
    if disputed:
        opened, _dispute = steps[-1].deal.open_dispute(buyer, "not_as_described", "Smudged", "A reprint",
                                                       on(day, 13))
        steps += [opened, opened.deal.dispute_withdrawn(on(day, 14), "The buyer withdrew the dispute")]
    steps.append(steps[-1].deal.confirm(buyer, on(day + 1)))
    record(database_url, *steps)


@pytest.fixture(scope="module")
def march_2020(database_url):
    """Four businesses' March 2020, with a listing of A's in January (so A counts as retained)."""
    from tests.builders import a_business
    a, b, c, d = (a_business(database_url) for _ in range(4))
    a_listing_published(database_url, a.business_id, "offer", dt.datetime(2020, 1, 20, tzinfo=dt.UTC))
    a_listing_published(database_url, a.business_id, "want", on(3))
    a_completed_credit_deal(database_url, b.business_id, c.business_id, 100_00, day=3)
    a_completed_credit_deal(database_url, d.business_id, c.business_id, 50_00, day=10, disputed=True)
    record(database_url, start_deal(uuid.uuid4().hex[:20], d.business_id, b.business_id, d.business_id,
                                    terms(on(10), barter=True), on(10)))
    return a, b, c, d


@pytest.fixture(scope="module")
def admin(database_url):
    return a_staff_user(database_url, "admin")


def test_the_api_gives_each_week_of_the_period_from_real_rows(api, admin, march_2020):
    answer = api(admin).get(f"/api/v1/staff/metrics?{PERIOD}")
    assert answer.status_code == 200, answer.json
    assert (answer.json["first_day"], answer.json["last_day"]) == ("2020-03-02", "2020-03-15")
    first, second = answer.json["weeks"]
    assert first["week"] == "2020-03-02" and second["week"] == "2020-03-09"
    # Week 1: A's want, B and C's deal; A's January offer is outside the 30 days but makes A retained.
    assert first["active"] == 3 and first["retention"] == {"part": 1, "whole": 1, "percent": 100.0}
    assert first["new_listings"] == {"offer": 0, "want": 1}
    assert first["started"] == {"credits": 1, "cash": 0, "hybrid": 0, "barter": 0}
    assert first["completed"] == {"credits": 1, "cash": 0, "hybrid": 0, "barter": 0}
    assert first["dispute_rate"] == {"part": 0, "whole": 1, "percent": 0.0}
    assert first["volume"] == {"CRD": 100_00} and first["fees"] == {} and first["arpu"] == {}
    # Week 2: D joins (a disputed credit deal with C, a barter proposal to B); the disputed deal completes.
    assert second["active"] == 4 and second["new_listings"] == {"offer": 0, "want": 0}
    assert second["started"] == {"credits": 1, "cash": 0, "hybrid": 0, "barter": 1}
    assert second["dispute_rate"] == {"part": 1, "whole": 1, "percent": 100.0}
    assert second["volume"] == {"CRD": 50_00}


def test_fee_revenue_and_arpu_follow_the_ledger(api, admin, database_url, member, listing):
    operator = api(admin)
    listing(member())  # one business active this week, at least
    before = operator.get("/api/v1/staff/metrics?weeks=1").json["weeks"][0]
    fee = Money(12_34, "GBP")
    with unit_of_work(database_url) as session:
        Ledger(session).execute(Transfer(f"test:{uuid.uuid4().hex[:12]}:fee", (
            Posting(stripe_clearing_account("GBP"), -fee), Posting(platform_fees_account("GBP"), fee))))
    after = operator.get("/api/v1/staff/metrics?weeks=1").json["weeks"][0]
    assert after["fees"]["GBP"] - before["fees"].get("GBP", 0) == 12_34
    # The only GBP fees of the session are this test's, so the 30 days' GBP fees are the week's.
    assert after["active"] > 0 and after["arpu"]["GBP"] == after["fees"]["GBP"] // after["active"]


def test_admins_see_the_page_with_a_chart_and_a_table_per_metric(visitor, admin, march_2020):
    page = visitor(admin).get(f"/staff/metrics?{PERIOD}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="nav-metrics"' in html
    for metric in ("active", "retention", "listings", "started", "completed", "disputes", "volume", "fees", "arpu"):
        assert f'data-chart="{metric}"' in html and f'data-testid="table-{metric}"' in html
    volume = re.search(r'data-testid="table-volume">(.*?)</table>', html, re.S).group(1)
    assert "2020-03-02</th><td class=\"amount\">100.00 CRD" in volume
    disputes = re.search(r'data-testid="table-disputes">(.*?)</table>', html, re.S).group(1)
    assert "100.0 % (1 of 1)" in disputes
    assert 'id="metrics-charts"' in html and "finance_charts.js" in html and "<script>" not in html


@pytest.mark.parametrize("query, field", [("weeks=0", "weeks"), ("weeks=500", "weeks"), ("weeks=many", "weeks"),
                                          ("until=2999-01-01", "until"), ("until=someday", "until")])
def test_a_malformed_period_is_422_with_its_field(api, visitor, admin, query, field):
    answer = api(admin).get(f"/api/v1/staff/metrics?{query}")
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    page = visitor(admin).get(f"/staff/metrics?{query}")
    assert page.status_code == 422 and f'data-testid="error-{field}"' in page.get_data(as_text=True)


def test_everyone_but_admins_gets_404(api, visitor, member, database_url):
    for role in ("finance", "arbitrator"):
        staff = a_staff_user(database_url, role)
        assert api(staff).get("/api/v1/staff/metrics").status_code == 404
        assert visitor(staff).get("/staff/metrics").status_code == 404
    someone = member()
    assert api(someone).get("/api/v1/staff/metrics").status_code == 404
    assert visitor(someone).get("/staff/metrics").status_code == 404
    assert 'data-testid="nav-metrics"' not in visitor(someone).get("/deals").get_data(as_text=True)
    assert api().get("/api/v1/staff/metrics").status_code == 401
