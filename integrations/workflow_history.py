"""A workflow's Temporal history in words: the audit trail a dispute's evidence pack carries.

The read model's timelines are written from the workflows' steps; this is the raw record the
Temporal server itself kept — every update a party sent (with the action and who sent it),
every Stripe signal, timer, child workflow and recorded step — so an arbitrator or a party can
check the two against each other. Workflow-task bookkeeping events are left out: they say when
the worker ran, not what happened to the deal.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

BOOKKEEPING = {EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
               EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED}
PREFIX = "EVENT_TYPE_"


@dataclass(frozen=True)
class HistoryLine:
    event_id: int
    at: dt.datetime
    event: str  # e.g. "workflow execution update accepted"
    detail: str  # e.g. "act: confirm by business 7"


def history_lines(history: WorkflowHistory) -> list[HistoryLine]:
    return [HistoryLine(e.event_id, e.event_time.ToDatetime(dt.UTC), _words(e), _detail(e))
            for e in history.events if e.event_type not in BOOKKEEPING]


def _words(event: HistoryEvent) -> str:
    return EventType.Name(event.event_type).removeprefix(PREFIX).replace("_", " ").lower()


def _detail(event: HistoryEvent) -> str:
    match event.WhichOneof("attributes"):
        case "workflow_execution_update_accepted_event_attributes":
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            return _command(request.input.name, request.input.args.payloads)
        case "workflow_execution_signaled_event_attributes":
            signal = event.workflow_execution_signaled_event_attributes
            return _command(signal.signal_name, signal.input.payloads)
        case "marker_recorded_event_attributes":
            return event.marker_recorded_event_attributes.marker_name
        case "timer_started_event_attributes":
            started = event.timer_started_event_attributes
            return f"timer {started.timer_id} for {started.start_to_fire_timeout.ToTimedelta()}"
        case "timer_fired_event_attributes":
            return f"timer {event.timer_fired_event_attributes.timer_id}"
        case "start_child_workflow_execution_initiated_event_attributes":
            child = event.start_child_workflow_execution_initiated_event_attributes
            return f"{child.workflow_type.name} {child.workflow_id}"
        case "activity_task_scheduled_event_attributes":
            return event.activity_task_scheduled_event_attributes.activity_type.name
        case "upsert_workflow_search_attributes_event_attributes":
            fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            return ", ".join(f"{name} = {json.loads(p.data)}" for name, p in fields.items())
    return ""


def _command(name: str, payloads: Any) -> str:
    """An update's or signal's name, with the action and who sent it when the input says so."""
    for payload in payloads:
        try:
            body = json.loads(payload.data)
        except ValueError:
            continue
        if isinstance(body, dict):
            said = [str(body[k]) for k in ("action", "kind", "status") if body.get(k)]
            who = (f" by business {body['actor_business_id']}" if body.get("actor_business_id")
                   else f" by actor {body['actor_id']}" if body.get("actor_id") else "")
            return f"{name}: {' '.join(said)}{who}"
    return name
