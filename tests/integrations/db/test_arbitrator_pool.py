"""The arbitrator pool a case is assigned from, as read from PostgreSQL: every active arbitrator
with its open cases, and its conflicts with the two parties (a past deal, a shared business)."""

from __future__ import annotations

import datetime as dt
import uuid

from domain.arbitration import choose_arbitrator
from integrations.db.app_models import DealRow
from integrations.db.dispute_models import Arbitrator as ArbitratorRow
from integrations.db.dispute_read_model import arbitrator_pool
from integrations.db.session import unit_of_work
from tests.builders import a_business
from tests.workflows.dispute_driver import an_arbitrator


def a_past_deal(database_url: str, buyer_id: int, seller_id: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with unit_of_work(database_url) as session:
        session.add(DealRow(deal_id=uuid.uuid4().hex[:20], buyer_id=buyer_id, seller_id=seller_id, title="Old job",
                            model="credits", stage="closed", version=1, state={}, created_at=now, updated_at=now))


def test_conflicts_and_inactive_arbitrators_are_known_to_the_choice(database_url):
    buyer, seller, print_shop = a_business(database_url), a_business(database_url), a_business(database_url)
    traded = an_arbitrator(database_url, business_id=print_shop.business_id)
    a_past_deal(database_url, print_shop.business_id, seller.business_id)  # the arbitrator's business and the seller
    staff = an_arbitrator(database_url, business_id=buyer.business_id)  # works for the buyer
    retired = an_arbitrator(database_url)
    an_arbitrator(database_url)  # free of any conflict
    with unit_of_work(database_url) as session:
        session.get(ArbitratorRow, retired).active = False

    with unit_of_work(database_url) as session:
        arbitrators, parties = arbitrator_pool(session, buyer.business_id, seller.business_id)

    by_id = {a.arbitrator_id: a for a in arbitrators}
    assert retired not in by_id
    assert by_id[traded].past_deals_with == (seller.business_id,)
    assert by_id[staff].shares_staff_with == (buyer.business_id,)
    assert [p.name for p in parties] == [buyer.name, seller.name]
    choice = choose_arbitrator(arbitrators, parties, rng=7)
    assert choice.arbitrator.arbitrator_id not in (traded, staff, retired)
    assert "past deal with" in choice.reason and "shares a staff member with" in choice.reason
