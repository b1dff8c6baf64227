"""What a deal costs the Temporal server per step: no command that changes nothing.

A DealStage upsert is a visibility write and a timer started or cancelled is timer-queue work,
so a step upserts only when the stage moves, and keeps the alarm timer when the alarm stands.
"""

from __future__ import annotations

import json

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from tests.workflows.driver import open_deal
from workflows.messages import DealInput, DealReply, ReviewInput
from workflows.names import DEAL_OPENED, DEAL_STAGE, deal_workflow_id

GOOD = ReviewInput(5, 5, 5)


def stage_upserts(history) -> list[str]:
    return [json.loads(fields["DealStage"].data) for e in history.events
            if (fields := e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
            and "DealStage" in fields]


def update_actions(history) -> list[tuple[int, str]]:
    """(index, action) of each accepted `act` update, in history order."""
    found = []
    for index, e in enumerate(history.events):
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = e.workflow_execution_update_accepted_event_attributes.accepted_request
            for payload in request.input.args.payloads:
                found.append((index, json.loads(payload.data).get("action")))
    return found


async def test_a_step_upserts_the_stage_only_when_it_moves_and_keeps_a_standing_alarm(client, database_url):
    deal = await open_deal(client, database_url)  # started with DealStage=proposed, as the web does
    for actor, action, extra in [
        (deal.seller, "accept", {}), (deal.buyer, "fund", {}), (deal.seller, "deliver", {}),
        (deal.buyer, "confirm", {}), (deal.buyer, "review", {"review": GOOD}),
        (deal.seller, "review", {"review": ReviewInput(4, 4, 4)}),
    ]:
        reply = await deal.act(actor, action, **extra)
        described = await deal.handle.describe()
        assert described.typed_search_attributes.get(DEAL_STAGE) == reply.stage.value
    await deal.handle.result()
    history = await deal.handle.fetch_history()

    assert stage_upserts(history) == ["funding", "in_delivery", "inspection", "rating", "closed"]
    # Started with `lean_commands` in its input, the deal asks no `workflow.patched`: no marker,
    # no TemporalChangeVersion upsert.
    assert not [e for e in history.events if e.marker_recorded_event_attributes.marker_name == "core_patch"]
    assert len([e for e in history.events if e.HasField("upsert_workflow_search_attributes_event_attributes")]) == 5
    reviews = [index for index, action in update_actions(history) if action == "review"]
    assert len(reviews) == 2
    between_reviews = {e.event_type for e in history.events[reviews[0]:reviews[1]]}
    # The first review leaves the rating window's alarm where it was: its timer is kept.
    assert EventType.EVENT_TYPE_TIMER_STARTED not in between_reviews
    assert EventType.EVENT_TYPE_TIMER_CANCELED not in between_reviews
    # A closed deal's pending alarm ends with the workflow: nothing to cancel.
    after_last = {e.event_type for e in history.events[reviews[1]:]}
    assert EventType.EVENT_TYPE_TIMER_CANCELED not in after_last


async def test_a_deal_started_without_its_stage_upserts_it(client: Client, database_url):
    from tests.workflows.driver import a_business, credit_terms

    buyer, seller = a_business(database_url), a_business(database_url)
    deal_id = f"nostage{buyer}x{seller}"
    handle = await client.start_workflow(
        "DealWorkflow", DealInput(deal_id, buyer, seller, buyer, credit_terms()),
        id=deal_workflow_id(deal_id), task_queue="tradepact")
    await handle.execute_update(DEAL_OPENED, result_type=DealReply)
    described = await handle.describe()
    assert described.typed_search_attributes.get(DEAL_STAGE) == "proposed"
    history = await handle.fetch_history()
    assert stage_upserts(history) == ["proposed"]
    # Without `lean_commands` in its input (a ring's leg, an older starter) the deal takes the
    # lean commands through the patch, marker and all.
    assert [e for e in history.events if e.marker_recorded_event_attributes.marker_name == "core_patch"]
    await handle.terminate("test over")
