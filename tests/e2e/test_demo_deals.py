"""`make run`'s demo deals (seeded into the shared stack the same way, through its API): each ran
through the real workflow, Stripe holds exactly their money, finance sees them, and seeding
again changes nothing."""

from __future__ import annotations

import pytest

from devstack.api_client import ApiClient
from devstack.demo_deals import ADA, BEN, CLEO, DEMO_DEALS, seed_demo_deals
from devstack.run import LocalStack
from devstack.seed import DEMO_PASSWORD
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
