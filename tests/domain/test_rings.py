"""A proposed ring's answers, and its legs as deals: funded by the ring, one way, bond returned."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import AlreadyDone, DeadlinePassed, InvalidInput, InvalidTransition, NotADealParty
from domain.ledger import VoidHold
from domain.money import credits
from domain.ring_legs import start_ring_leg
from domain.rings import Ring, RingStatus, leg_deal_id, ring_from
from domain.stages import Action, Stage
from domain.terms import Leg, Obligation, Role
from tests.domain.builders import NOW
from tests.domain.test_barter_rings import RING, rings_of

LATER = NOW + dt.timedelta(hours=1)


def a_ring() -> Ring:
    [proposal] = rings_of(RING)
    return ring_from(proposal, {21: "Bookkeeping for a year", 31: "Posters", 11: "A logo"}, NOW)


def test_the_ring_is_put_to_its_three_businesses_with_a_deadline_and_one_deal_per_leg():
    ring = a_ring()
    assert ring.business_ids == (1, 2, 3)
    assert [(leg.buyer_id, leg.seller_id, leg.title) for leg in ring.legs] == [
        (1, 2, "Bookkeeping for a year"), (2, 3, "Posters"), (3, 1, "A logo")]
    assert ring.answer_by == NOW + dt.timedelta(days=3)
    assert [leg.deal_id for leg in ring.legs] == [leg_deal_id(ring.key, i) for i in range(3)]
    assert len({leg.deal_id for leg in ring.legs}) == 3 and all(len(leg.deal_id) < 64 for leg in ring.legs)


def test_all_three_acceptances_move_the_ring_to_funding_and_each_answers_once():
    ring = a_ring().accept(1, LATER).accept(3, LATER)
    assert ring.status is RingStatus.PROPOSED
    with pytest.raises(AlreadyDone):
        ring.accept(3, LATER)
    with pytest.raises(NotADealParty):
        ring.accept(4, LATER)
    assert ring.accept(2, LATER).status is RingStatus.FUNDING


def test_a_decline_ends_the_ring_and_no_answer_counts_after_the_deadline():
    declined = a_ring().accept(1, LATER).decline(2, LATER, "too busy")
    assert (declined.status, declined.declined_by, declined.reason) == (RingStatus.DECLINED, 2, "too busy")
    with pytest.raises(InvalidTransition):
        declined.accept(3, LATER)
    with pytest.raises(DeadlinePassed):
        a_ring().accept(1, NOW + dt.timedelta(days=3))


def test_the_ring_completes_when_every_leg_is_accepted_and_breaks_when_one_ends_undone():
    ring = a_ring().accept(1, LATER).accept(2, LATER).accept(3, LATER).funded()
    ids = [leg.deal_id for leg in ring.legs]
    ring = ring.leg_reached(ids[0], "rating").leg_reached(ids[1], "closed")
    assert ring.status is RingStatus.RUNNING
    assert ring.leg_reached(ids[2], "rating").status is RingStatus.COMPLETED
    assert ring.leg_reached(ids[2], "cancelled").status is RingStatus.BROKEN
    funding = a_ring().accept(1, LATER).accept(2, LATER).accept(3, LATER)
    early = funding.leg_reached(ids[0], "rating").leg_reached(ids[1], "rating").leg_reached(ids[2], "rating")
    assert early.status is RingStatus.FUNDING and early.funded().status is RingStatus.COMPLETED


def leg(stage: str = "funding"):
    ring = a_ring()
    deal = start_ring_leg("leg1", 1, 2, ring.leg_terms(0, NOW), NOW).deal
    if stage in ("funded", "in_delivery", "inspection"):
        deal = deal.ring_step("fund", NOW).deal
    if stage in ("in_delivery", "inspection"):
        deal = deal.ring_step("start", NOW).deal
    if stage == "inspection":
        deal = deal.deliver(2, NOW, "done").deal
    return deal


def test_a_leg_opens_agreed_one_service_from_the_seller_with_the_sellers_bond_only():
    deal = leg()
    assert (deal.stage, deal.terms.model.value, deal.terms.bond) == (Stage.FUNDING, "barter", credits(50_00))
    assert [h.provider for h in deal.handovers] == [Role.SELLER]
    assert deal.allowed_actions(1, NOW) == () and deal.allowed_actions(2, NOW) == ()  # the ring funds it
    funded = deal.ring_step("fund", NOW)
    assert [(h.source, h.amount) for h in funded.step.ledger.holds] == [("member:2:credits", credits(50_00))]
    assert funded.deal.stage is Stage.FUNDING  # waits for the other legs
    assert funded.deal.ring_step("fund", NOW) is None  # a retried call changes nothing


def test_a_cancelled_leg_returns_the_bond_it_held():
    cancelled = leg("funded").ring_step("cancel", NOW, "a bond could not be held")
    assert cancelled.deal.stage is Stage.CANCELLED
    assert [v.hold_id for v in cancelled.step.ledger.voids if isinstance(v, VoidHold)] == [
        "deal:leg1:bond-seller:CRD"]
    assert cancelled.deal.ring_step("cancel", NOW) is None


def test_only_the_seller_delivers_and_only_the_buyer_inspects_then_the_bond_comes_back():
    deal = leg("in_delivery")
    with pytest.raises(InvalidTransition):
        deal.deliver(1, NOW)
    with pytest.raises(InvalidTransition):
        deal.check(Action.CANCEL, 1, NOW + dt.timedelta(days=60))
    inspected = leg("inspection")
    with pytest.raises(InvalidTransition):
        inspected.confirm(2, NOW)
    done = inspected.confirm(1, NOW)
    assert done.deal.stage is Stage.RATING
    assert [v.hold_id for v in done.step.ledger.voids] == ["deal:leg1:bond-seller:CRD"]


def test_a_leg_is_one_unpaid_service_and_names_its_ring():
    terms = a_ring().leg_terms(0, NOW)
    with pytest.raises(InvalidInput):
        start_ring_leg("x", 1, 2, terms.__class__(**{**terms.__dict__, "ring_id": None}), NOW)
    paid = terms.__class__(**{**terms.__dict__, "legs": (Leg(Role.BUYER, credits(10_00)),)})
    with pytest.raises(InvalidInput):
        start_ring_leg("x", 1, 2, paid, NOW)
    two_ways = terms.__class__(**{**terms.__dict__, "obligations": (*terms.obligations, Obligation(Role.BUYER, "x"))})
    with pytest.raises(InvalidInput):
        start_ring_leg("x", 1, 2, two_ways, NOW)
