"""A credit deal through the real Temporal server, worker and PostgreSQL."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.ledger import platform_fees_account
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from tests.workflows.driver import balance, event_count, open_deal, timeline_kinds
from workflows.messages import ReviewInput
from workflows.names import DEAL_STAGE

GOOD = ReviewInput(5, 4, 5, "On time and friendly")


def fees_posted(database_url: str) -> int:
    with unit_of_work(database_url) as session:
        return Ledger(session).balance(platform_fees_account("CRD")).posted


def assert_ledger_invariants(database_url: str, deal_id: str, closed: bool) -> None:
    with unit_of_work(database_url) as session:
        ledger = Ledger(session)
        assert all(total == 0 for total in ledger.trial_balance().values())
        if closed:
            assert all(amount == 0 for amount in ledger.escrow_balance(deal_id).values())


async def refused(driver, actor, action, **fields) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await driver.act(actor, action, **fields)
    return caught.value.cause.message


async def test_credit_deal_runs_from_offer_to_closed(client, database_url):
    deal = await open_deal(client, database_url)
    fees_before = fees_posted(database_url)

    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")
    held = balance(database_url, deal.buyer)
    assert (held.posted, held.pending_out, held.available) == (0, 100_00, 900_00)

    await deal.act(deal.seller, "deliver", note="Three drafts attached")
    await deal.act(deal.buyer, "request_changes", note="Darker blue please")
    await deal.act(deal.seller, "deliver", note="Updated")
    reply = await deal.act(deal.buyer, "confirm")
    assert reply.stage == "rating"

    assert balance(database_url, deal.buyer).posted == -100_00
    assert balance(database_url, deal.seller).posted == 95_00  # 100.00 less the 5 % fee
    assert fees_posted(database_url) - fees_before == 5_00

    await deal.act(deal.buyer, "review", review=GOOD)
    reply = await deal.act(deal.seller, "review", review=GOOD)
    assert reply.stage == "closed"
    result = await deal.handle.result()
    assert result.stage == "closed"
    described = await deal.handle.describe()
    assert described.typed_search_attributes.get(DEAL_STAGE) == "closed"
    assert timeline_kinds(database_url, deal.deal_id) == [
        "offer_made", "accepted", "funded", "delivered", "changes_requested", "delivered",
        "completed", "review_submitted", "closed",
    ]
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


async def test_happy_path_uses_at_most_eight_activities(client, database_url):
    deal = await open_deal(client, database_url)
    for actor, action, extra in [
        (deal.seller, "accept", {}), (deal.buyer, "fund", {}), (deal.seller, "deliver", {}),
        (deal.buyer, "confirm", {}), (deal.buyer, "review", {"review": GOOD}),
        (deal.seller, "review", {"review": GOOD}),
    ]:
        await deal.act(actor, action, **extra)
    await deal.handle.result()
    history = await deal.handle.fetch_history()
    # Local activities are markers named core_local_activity (a patch is a marker too, not an activity).
    scheduled = [e for e in history.events if (e.HasField("activity_task_scheduled_event_attributes")
                                               or e.marker_recorded_event_attributes.marker_name == "core_local_activity")]
    assert 0 < len(scheduled) <= 8


async def test_wrong_party_and_wrong_stage_are_refused_and_change_nothing(client, database_url):
    deal = await open_deal(client, database_url)
    before = event_count(database_url, deal.deal_id)

    assert "only the party the latest offer was made to" in await refused(deal, deal.buyer, "accept")
    assert "cannot mark delivered while the deal is proposed" in await refused(deal, deal.seller, "deliver")
    assert "only the two parties" in await refused(deal, 999_999, "accept")

    assert event_count(database_url, deal.deal_id) == before
    assert balance(database_url, deal.buyer).pending_out == 0


async def test_funding_beyond_the_credit_line_holds_nothing(client, database_url):
    deal = await open_deal(client, database_url, buyer_line=50_00)
    await deal.act(deal.seller, "accept")

    message = await refused(deal, deal.buyer, "fund")

    assert "credit line" in message
    assert balance(database_url, deal.buyer).pending_out == 0
    assert timeline_kinds(database_url, deal.deal_id)[-1] == "accepted"
    assert_ledger_invariants(database_url, deal.deal_id, closed=False)


async def test_funding_twice_holds_once(client, database_url):
    deal = await open_deal(client, database_url)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")

    assert "cannot pay into escrow while the deal is in delivery" in await refused(deal, deal.buyer, "fund")
    assert balance(database_url, deal.buyer).pending_out == 100_00


async def test_cancellation_before_delivery_returns_the_hold(client, database_url):
    deal = await open_deal(client, database_url)
    await deal.act(deal.seller, "accept")
    await deal.act(deal.buyer, "fund")

    reply = await deal.act(deal.seller, "cancel", note="Fully booked, sorry")

    assert reply.stage == "cancelled"
    after = balance(database_url, deal.buyer)
    assert (after.posted, after.pending_out) == (0, 0)
    assert_ledger_invariants(database_url, deal.deal_id, closed=True)


async def test_counter_offer_changes_terms_and_turns_the_table(client, database_url):
    from tests.workflows.driver import credit_terms

    deal = await open_deal(client, database_url)
    await deal.act(deal.seller, "counter", terms=credit_terms(price_minor=120_00))

    assert "only the party the latest offer was made to" in await refused(deal, deal.seller, "accept")
    await deal.act(deal.buyer, "accept")
    await deal.act(deal.buyer, "fund")
    assert balance(database_url, deal.buyer).pending_out == 120_00
