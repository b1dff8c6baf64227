"""Matching and barter rings on the real dev server with the real worker and PostgreSQL.

Each test's businesses work on site in a city of their own, so their listings match only each
other however many listings the session's other tests publish. `SAVE_RING_HISTORY=1` saves a
completed and a failed ring's histories (and a leg's) beside the others in `ring_histories/`;
saved histories must keep replaying (version changes with `workflow.patched`).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.client import Client, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.worker import Replayer

from domain.ledger import member_account
from domain.rings import RingPolicy
from domain.stages import Action
from integrations.db.app_models import DealRow, Notification
from integrations.db.ledger import Ledger
from integrations.db.matching_models import BarterRingRow, ListingMatch
from integrations.db.session import unit_of_work
from tests.builders import a_business, a_listing
from tests.workflows.test_credit_deal import assert_ledger_invariants
from tests.workflows.test_verification import eventually
from workflows.deal import DealWorkflow
from workflows.matching import MatchingWorkflow
from workflows.messages import DealCommand, DealReply
from workflows.names import DEAL_UPDATE, MATCHING_WORKFLOW, RING_ANSWER, deal_workflow_id
from workflows.ring import RingWorkflow
from workflows.ring_messages import MatchRun, MatchRunResult, RingAnswer, RingReply, RingResult
from workflows.worker import WORKFLOW_RUNNER

pytestmark = pytest.mark.usefixtures("deal_worker")
HISTORY_DIR = Path(__file__).parent / "ring_histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
REPLAYER = Replayer(workflows=[RingWorkflow, DealWorkflow, MatchingWorkflow], workflow_runner=WORKFLOW_RUNNER)
# Leg i: business i wants what business i+1 offers.
SERVICES = ("bookkeeping", "logo-design", "web-development")
PLATFORM = RingPolicy()


@dataclass(frozen=True)
class Member:
    business_id: int
    offer_id: int
    want_id: int


def three_members(database_url: str, credit_lines: tuple[int, ...] = (1_000_00,) * 3) -> list[Member]:
    """A offers bookkeeping and wants a logo, B offers logos and wants a website, C offers
    websites and wants bookkeeping: all open to barter, on site in one new city."""
    city = f"Ringtown {uuid.uuid4().hex[:8]}"
    members = []
    for i, line in enumerate(credit_lines):
        business = a_business(database_url, credit_line_minor=line).business_id
        place = dict(price_minor=None, open_to_barter=True, delivery_mode="on_site", city=city)
        offer = a_listing(database_url, business, category=SERVICES[i], title=f"{SERVICES[i]} by {business}", **place)
        want = a_listing(database_url, business, kind="want", category=SERVICES[(i + 1) % 3],
                         title=f"{SERVICES[(i + 1) % 3]} for {business}", **place)
        members.append(Member(business, offer, want))
    return members


async def match(client: Client, listing_id: int | None, policy: RingPolicy = PLATFORM,
                saved_as: str = "") -> MatchRunResult:
    """Run MatchingWorkflow; `saved_as`: save its history under that name (SAVE_RING_HISTORY)."""
    handle = await client.start_workflow(MATCHING_WORKFLOW, MatchRun(listing_id, policy),
                                         id=f"test-matching-{uuid.uuid4().hex}", task_queue="tradepact",
                                         result_type=MatchRunResult)
    result = await handle.result()
    if saved_as:
        history = await handle.fetch_history()
        await REPLAYER.replay_workflow(history)
        save(saved_as, history)
    return result


async def publish_all(client: Client, members: list[Member], policy: RingPolicy = PLATFORM) -> str:
    """Match each listing as the web does on publishing; the last one closes the ring."""
    proposed: list[str] = []
    for member in members:
        for listing in (member.offer_id, member.want_id):
            proposed += (await match(client, listing, policy)).rings_proposed
    mine = {m.offer_id for m in members} | {m.want_id for m in members}
    (key,) = [k for k in proposed if set(map(int, k.removeprefix("ring-").replace(".", "-").split("-"))) <= mine]
    return key


async def answer(client: Client, key: str, business_id: int, accept: bool = True) -> RingReply:
    return await client.get_workflow_handle(key).execute_update(
        RING_ANSWER, RingAnswer(business_id, accept), result_type=RingReply)


def credits(database_url: str, business_id: int) -> tuple[int, int]:
    """(posted, held) on the business's credit account."""
    with unit_of_work(database_url) as session:
        balance = Ledger(session).balance(member_account(business_id, "CRD"))
        return balance.posted, balance.pending_out


def ring_row(database_url: str, key: str) -> BarterRingRow | None:
    with unit_of_work(database_url) as session:
        row = session.get(BarterRingRow, key)
        if row is not None:
            session.expunge(row)
        return row


def leg_stages(database_url: str, key: str) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(DealRow.stage).where(DealRow.ring_id == key).order_by(DealRow.deal_id)))


async def test_publishing_matches_each_listing_at_once_and_the_third_business_closes_a_ring(client, database_url):
    a, b, c = three_members(database_url)
    first = await match(client, a.want_id)  # A's want meets B's offer: one edge, no ring yet
    assert first.rings_proposed == ()
    with unit_of_work(database_url) as session:
        rows = session.scalars(select(ListingMatch).where(ListingMatch.want_id == a.want_id)).all()
        assert [(r.offer_id, r.offer_business_id, r.score, r.category_points, r.price_points, r.payment_points,
                 r.delivery_points) for r in rows] == [(b.offer_id, b.business_id, 95, 40, 25, 15, 10)]
    key = await publish_all(client, [a, b, c])
    assert key == f"ring-{a.want_id}.{b.offer_id}-{b.want_id}.{c.offer_id}-{c.want_id}.{a.offer_id}"
    row = await eventually(lambda: ring_row(database_url, key))
    assert (row.status, sorted(row.business_ids)) == ("proposed", sorted([a.business_id, b.business_id, c.business_id]))
    with unit_of_work(database_url) as session:
        told = session.scalars(select(Notification.business_id).where(Notification.dedupe_key.like(f"ring:{key}:%")))
        assert sorted(told) == sorted([a.business_id, b.business_id, c.business_id])
    again = await match(client, None)  # the full recompute finds the same ring and leaves it be
    assert key not in again.rings_proposed


async def test_the_hourly_full_recompute_proposes_a_ring_nobody_published_into(client, database_url):
    a, b, c = three_members(database_url)
    key = f"ring-{a.want_id}.{b.offer_id}-{b.want_id}.{c.offer_id}-{c.want_id}.{a.offer_id}"

    # Saved as `matching_full_recompute_rings_carried` (the rings in the recompute's summary);
    # `matching_full_recompute` is the same run recorded before summaries carried them.
    first = await match(client, None, saved_as="matching_full_recompute_rings_carried")
    assert key in first.rings_proposed
    row = await eventually(lambda: ring_row(database_url, key))
    assert [(leg["want_id"], leg["offer_id"]) for leg in row.state["legs"]] == [
        (a.want_id, b.offer_id), (b.want_id, c.offer_id), (c.want_id, a.offer_id)]
    assert key not in (await match(client, None)).rings_proposed


async def test_three_acceptances_fund_the_legs_together_and_the_ring_completes_with_its_deals(client, database_url):
    members = three_members(database_url)
    key = await publish_all(client, members)
    before = [credits(database_url, m.business_id) for m in members]

    for m in members[:2]:
        reply = await answer(client, key, m.business_id)
        assert reply.status == "proposed"
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await answer(client, key, members[0].business_id)
    assert "already accepted" in str(twice.value.cause)
    assert (await answer(client, key, members[2].business_id)).status == "funding"

    await eventually(lambda: leg_stages(database_url, key) == ["in_delivery"] * 3)
    await eventually(lambda: ring_row(database_url, key).status == "running")
    assert [credits(database_url, m.business_id) for m in members] == [(p, h + 50_00) for p, h in before]

    with unit_of_work(database_url) as session:
        legs = session.execute(select(DealRow.deal_id, DealRow.seller_id, DealRow.buyer_id)
                               .where(DealRow.ring_id == key)).all()
    for deal_id, seller, buyer in legs:
        with pytest.raises(WorkflowUpdateFailedError):  # the buyer receives; it does not deliver
            await act(client, deal_id, DealCommand(Action.DELIVER, buyer, 0))
        await act(client, deal_id, DealCommand(Action.DELIVER, seller, 0, note="done"))
        await act(client, deal_id, DealCommand(Action.CONFIRM, buyer, 0))

    handle = client.get_workflow_handle(key, result_type=RingResult)
    assert await handle.result() == RingResult(key, "completed")
    assert [credits(database_url, m.business_id) for m in members] == before  # bonds returned, nobody paid
    assert ring_row(database_url, key).status == "completed"
    for history in (await handle.fetch_history(),
                    await client.get_workflow_handle(deal_workflow_id(legs[0][0])).fetch_history()):
        await REPLAYER.replay_workflow(history)
    save("ring_completed", await handle.fetch_history())
    save("ring_leg_in_rating", await client.get_workflow_handle(deal_workflow_id(legs[0][0])).fetch_history())
    for deal_id, _seller, _buyer in legs:
        assert_ledger_invariants(database_url, deal_id, closed=True)


def save(name: str, history: WorkflowHistory) -> None:
    if os.environ.get("SAVE_RING_HISTORY"):
        (HISTORY_DIR / f"{name}.json").write_text(history.to_json())


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_saved_ring_histories_replay(path: Path):
    await REPLAYER.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))


async def act(client: Client, deal_id: str, command: DealCommand) -> DealReply:
    return await client.get_workflow_handle(deal_workflow_id(deal_id)).execute_update(
        DEAL_UPDATE, command, result_type=DealReply)


async def test_a_bond_that_cannot_be_held_cancels_every_leg_and_returns_the_bonds_held(client, database_url):
    members = three_members(database_url, credit_lines=(1_000_00, 1_000_00, 0))  # C cannot post a bond
    key = await publish_all(client, members)
    before = [credits(database_url, m.business_id) for m in members]
    for m in members:
        await answer(client, key, m.business_id)

    result = await client.get_workflow_handle(key, result_type=RingResult).result()
    assert result == RingResult(key, "failed")
    assert "bond could not be held" in ring_row(database_url, key).state["reason"]
    await eventually(lambda: leg_stages(database_url, key) == ["cancelled"] * 3)
    assert [credits(database_url, m.business_id) for m in members] == before  # every hold voided
    with unit_of_work(database_url) as session:
        legs = session.scalars(select(DealRow.deal_id).where(DealRow.ring_id == key)).all()
    for deal_id in legs:
        assert_ledger_invariants(database_url, deal_id, closed=True)
    save("ring_failed", await client.get_workflow_handle(key).fetch_history())


async def test_a_decline_ends_the_ring_and_a_late_answer_is_refused(client, database_url):
    members = three_members(database_url)
    key = await publish_all(client, members)
    await answer(client, key, members[0].business_id)
    with pytest.raises(WorkflowUpdateFailedError) as stranger:
        await answer(client, key, 999_999_999)
    assert "only the ring's three businesses" in str(stranger.value.cause)
    declined = await answer(client, key, members[1].business_id, accept=False)
    assert declined.status == "declined"
    assert await client.get_workflow_handle(key, result_type=RingResult).result() == RingResult(key, "declined")
    with pytest.raises(RPCError, match="already completed"):  # the web answers 409 from the read model
        await answer(client, key, members[2].business_id)
    assert leg_stages(database_url, key) == []
    assert ring_row(database_url, key).status == "declined"


async def test_an_unanswered_ring_reminds_those_yet_to_answer_then_expires_at_its_deadline(client, database_url):
    members = three_members(database_url)
    # Ten seconds to answer: the reminder comes halfway, after the first business has answered.
    key = await publish_all(client, members, RingPolicy(answer_within_s=10))
    await answer(client, key, members[0].business_id)
    handle = client.get_workflow_handle(key, result_type=RingResult)
    assert await handle.result() == RingResult(key, "expired")
    assert ring_row(database_url, key).status == "expired"
    with unit_of_work(database_url) as session:
        reminded = session.execute(select(Notification.business_id, Notification.kind, Notification.subject)
                                   .where(Notification.dedupe_key.like(f"ring-reminder:{key}:%"))).all()
    answer_by = ring_row(database_url, key).answer_by
    assert sorted(reminded) == sorted(
        (m.business_id, "reminder", f"Reminder: answer the barter ring proposed to you by {answer_by:%Y-%m-%d %H:%M} UTC")
        for m in members[1:])
    history = await handle.fetch_history()
    await REPLAYER.replay_workflow(history)
    save("ring_reminded_then_expired", history)


async def test_a_ring_everyone_answered_goes_on_at_once_and_reminds_nobody(client, database_url):
    members = three_members(database_url, credit_lines=(1_000_00, 1_000_00, 0))  # fails fast: no bond from C
    key = await publish_all(client, members, RingPolicy(answer_within_s=600))
    for m in members:
        await answer(client, key, m.business_id)
    # Minutes before the reminder was due: the last answer, not the reminder's timer, moves it on.
    result = client.get_workflow_handle(key, result_type=RingResult).result()
    assert await asyncio.wait_for(result, timeout=60) == RingResult(key, "failed")
    with unit_of_work(database_url) as session:
        assert session.scalars(select(Notification.id).where(
            Notification.dedupe_key.like(f"ring-reminder:{key}:%"))).all() == []
