"""`make run`'s demo deals and demo market (seeded into the shared stack the same way, through its
API): each deal ran through the real workflow, Stripe holds exactly their money, finance sees
them; each demo member sees matches and is proposed one barter ring with the other two; and
seeding again changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from devstack.api_client import ApiClient
from devstack.demo_deals import ADA, BEN, CLEO, DEMO_DEALS, seed_demo_deals
from devstack.demo_market import DEMO_LISTINGS, DemoMarket, seed_demo_market
from devstack.run import LocalStack
from devstack.seed import DEMO_PASSWORD
from integrations.db.app_models import Listing
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import movements_for_deal
from tests.e2e.money_checks import assert_money_moved

pytestmark = pytest.mark.e2e

# (stage, what Stripe holds) per demo deal, in DEMO_DEALS' order; payouts are less the 5 % fee.
EXPECTED = (
    ("closed", {"charges": [], "refunds": [], "transfers": []}),
    ("closed", {"charges": [220_00], "refunds": [], "transfers": [209_00]}),
    ("closed", {"charges": [700_00], "refunds": [], "transfers": [665_00]}),
    ("in_delivery", {"charges": [], "refunds": [], "transfers": []}),
)


@pytest.fixture(scope="module")
def demo_deals(running_stack: LocalStack) -> list[tuple[str, str]]:
    """Seeding once more returns the deals the stack's start-up seeded."""
    return seed_demo_deals(running_stack.url, running_stack.env["DATABASE_URL"])


def test_each_demo_deal_ran_through_the_workflow_and_moved_its_money_once(demo_deals, running_stack):
    assert [stage for _deal, stage in demo_deals] == [stage for stage, _money in EXPECTED]
    for (deal_id, stage), (_stage, money) in zip(demo_deals, EXPECTED, strict=True):
        assert_money_moved(running_stack, deal_id, money, closed=stage == "closed")

    ada = ApiClient(running_stack.url).log_in(ADA, DEMO_PASSWORD)
    hybrid = ada.get(f"/api/v1/deals/{demo_deals[2][0]}").body
    # One "funded" per leg: the credits are held first, then the card is charged.
    assert [e["kind"] for e in hybrid["timeline"]] == [
        "offer_made", "accepted", "funded", "funded", "delivered", "completed", "review_submitted", "closed"]
    assert [p["display"] for p in hybrid["terms"]["price"]] == ["700.00 EUR", "500.00 CRD"]


def test_seeding_again_adds_no_deal_and_moves_no_money(demo_deals, running_stack):
    def movements() -> list[tuple[str, str]]:
        with unit_of_work(running_stack.env["DATABASE_URL"]) as session:
            return [(m.key, m.status) for deal_id, _stage in demo_deals for m in movements_for_deal(session, deal_id)]

    def deal_ids(email: str) -> set[str]:
        member = ApiClient(running_stack.url).log_in(email, DEMO_PASSWORD)
        return {d["deal_id"] for d in member.get("/api/v1/deals").body["items"]}

    before = movements(), {email: deal_ids(email) for email in (ADA, BEN, CLEO)}
    again = seed_demo_deals(running_stack.url, running_stack.env["DATABASE_URL"])
    assert again == demo_deals
    assert (movements(), {email: deal_ids(email) for email in (ADA, BEN, CLEO)}) == before
    assert len(demo_deals) == len(DEMO_DEALS) == len({deal_id for deal_id, _stage in demo_deals})


def test_finance_sees_the_demo_deals(running_stack):
    finance = ApiClient(running_stack.url).log_in("finance@tradepact.example", DEMO_PASSWORD)
    escrow = finance.get("/api/v1/finance/escrow").body
    assert escrow["held_by_currency"]["CRD"] >= 450_00  # the brand kit still in delivery
    assert any(row["stage"] == "in_delivery" and row["currency"] == "CRD" for row in escrow["by_stage"])

    activity = finance.get("/api/v1/finance/activity?days=7&bucket=day").body
    assert sum(activity["volume"]["EUR"]) >= 920_00  # the posters and the website's cash part
    assert sum(activity["fees"]["EUR"]) >= 46_00
    assert sum(activity["fees"]["CRD"]) >= 40_00  # the bookkeeping and the website's credit part
    assert activity["active_members_total"] >= 3


@pytest.fixture(scope="module")
def demo_market(running_stack: LocalStack) -> DemoMarket:
    """Seeding once more returns the listings and the ring the stack's start-up seeded."""
    return seed_demo_market(running_stack.url, running_stack.env["DATABASE_URL"])


@pytest.fixture(scope="module")
def members(running_stack: LocalStack) -> dict[str, ApiClient]:
    """Logged in once: logins are limited to ten a minute per member, and the deals' tests log in too."""
    return {email: ApiClient(running_stack.url).log_in(email, DEMO_PASSWORD) for email in (ADA, BEN, CLEO)}


def test_each_demo_member_sees_matches_with_their_reasons(demo_market, members):
    matches = {email: member.get("/api/v1/matches").body["items"] for email, member in members.items()}
    assert all(matches.values()), matches
    cards, accounts = demo_market.listing_ids
    # Ben's cards are picked up in Villeurbanne, where Cleo prints: a barter match in the same city.
    [for_cards] = [m for m in matches[BEN] if m["my_listing_id"] == cards]
    assert (for_cards["listing_title"], for_cards["business_name"]) == ("500 business cards", "Cleo Print")
    assert (for_cards["parts"]["category"], for_cards["parts"]["delivery"]) == (40, 10)
    # Ada's year-end accounts are paid in cash: Ben's annual accounts fit the budget.
    [for_accounts] = [m for m in matches[ADA] if m["my_listing_id"] == accounts]
    assert (for_accounts["listing_title"], for_accounts["business_name"]) == ("Annual accounts", "Ben's Books")
    assert "price 25/25: within budget" in for_accounts["reasons"]
    assert any(m["my_listing_title"] == "Logo and brand kit" and m["my_listing_kind"] == "want" for m in matches[CLEO])


def test_a_barter_ring_is_proposed_to_the_three_demo_members(demo_market, members):
    ids = {email: member.get("/api/v1/me").body["business_id"] for email, member in members.items()}
    assert demo_market.ring_status == "proposed"
    for email, member in members.items():
        ring = member.get(f"/api/v1/rings/{demo_market.ring_key}").body
        assert (ring["status"], ring["may_answer"]) == ("proposed", True), email
        inbox = member.get("/api/v1/notifications").body["items"]
        assert any(n["kind"] == "ring" and "barter ring is proposed" in n["subject"] for n in inbox), email
    # Ada wants Ben's bookkeeping, Ben wants Cleo's cards, Cleo wants Ada's brand kit.
    assert [(leg["buyer_id"], leg["seller_id"], leg["title"]) for leg in ring["legs"]] == [
        (ids[ADA], ids[BEN], "Quarterly bookkeeping"), (ids[BEN], ids[CLEO], "500 business cards"),
        (ids[CLEO], ids[ADA], "Logo and brand kit")]


def test_seeding_the_market_again_publishes_nothing_and_proposes_no_other_ring(demo_market, members, running_stack):
    def state() -> tuple[int, list[str]]:
        with unit_of_work(running_stack.env["DATABASE_URL"]) as session:
            listings = session.scalar(select(func.count()).select_from(Listing).where(
                Listing.title.in_([demo.title for demo in DEMO_LISTINGS])))
        return listings, [r["ring_key"] for r in members[ADA].get("/api/v1/rings").body["items"]]

    before = state()
    assert seed_demo_market(running_stack.url, running_stack.env["DATABASE_URL"]) == demo_market
    assert state() == before == (2, [demo_market.ring_key])
