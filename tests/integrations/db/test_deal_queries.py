"""The deal page's one-round-trip read gives what the step activity wrote: state, names, timeline."""

from __future__ import annotations

import uuid

from domain.deal import start_deal
from integrations.db.queries import deal_for_staff, deal_for_viewer, deal_state_for_party, timeline
from integrations.db.read_model import claim_step
from integrations.db.session import unit_of_work
from tests.builders import a_business
from tests.domain.builders import NOW, terms


def a_recorded_deal(database_url: str):
    buyer, seller = a_business(database_url), a_business(database_url)
    opened = start_deal(f"q-{uuid.uuid4().hex[:10]}", buyer.business_id, seller.business_id, buyer.business_id,
                        terms(), NOW)
    accepted = opened.deal.accept(seller.business_id, NOW)
    with unit_of_work(database_url) as session:
        for outcome in (opened, accepted):
            assert claim_step(session, outcome.deal, outcome.step)
    return buyer, seller, accepted.deal


def test_a_party_reads_the_deal_with_names_and_the_timeline_in_order(database_url):
    buyer, seller, deal = a_recorded_deal(database_url)
    with unit_of_work(database_url) as session:
        view = deal_for_viewer(session, deal.deal_id, seller.business_id)
        separate = timeline(session, deal.deal_id)
    assert view is not None and view.deal == deal
    assert (view.buyer_name, view.seller_name) == (buyer.name, seller.name)
    assert view.timeline == separate and len(separate) == 2
    assert [e.seq for e in separate] == sorted(e.seq for e in separate)
    assert [e.actor_name for e in view.timeline] == [buyer.name, seller.name]
    assert view.timeline[-1].at == NOW and view.updated_at == NOW


def test_only_parties_and_staff_read_a_deal(database_url):
    _buyer, _seller, deal = a_recorded_deal(database_url)
    stranger = a_business(database_url)
    with unit_of_work(database_url) as session:
        assert deal_for_viewer(session, deal.deal_id, stranger.business_id) is None
        assert deal_state_for_party(session, deal.deal_id, stranger.business_id) is None
        staff_view = deal_for_staff(session, deal.deal_id)
    assert staff_view is not None and staff_view.deal == deal and len(staff_view.timeline) == 2


def test_an_unknown_deal_is_none_and_a_party_reads_the_state_alone(database_url):
    buyer, _seller, deal = a_recorded_deal(database_url)
    with unit_of_work(database_url) as session:
        assert deal_for_viewer(session, "no-such-deal", buyer.business_id) is None
        assert deal_state_for_party(session, deal.deal_id, buyer.business_id) == deal
