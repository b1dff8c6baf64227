"""API for staff: the arbitrator's queue of cases, the operators' list of open disputes, their
reassignment, and staff alerts. Members (and other staff roles) get 404 here."""

from __future__ import annotations

from flask import abort
from marshmallow import Schema, fields

from domain.dispute_stages import DisputeAction
from integrations.db.queries.disputes import arbitrator_queue, open_disputes, staff_alerts
from web.api.access import api_arbitrator, api_operator, api_user
from web.api.blueprint import ApiBlueprint
from web.api.dispute_documents import case_row, plain
from web.api.dispute_inputs import ReassignBody
from web.api.dispute_schemas import DisputeActionOut
from web.api.disputes import act, now, refusals, visible_case
from web.db import db

blp = ApiBlueprint("api_dispute_staff", __name__, description="Arbitrators' queue and the operators' view")


class CaseRowOut(Schema):
    deal_id = fields.String()
    title = fields.String()
    stage = fields.String()
    buyer = fields.String()
    seller = fields.String()
    arbitrator_id = fields.Integer(allow_none=True)
    opened_at = fields.String()
    next_deadline_at = fields.String(allow_none=True)
    updated_at = fields.String()
    age_days = fields.Integer()


class CaseListOut(Schema):
    items = fields.List(fields.Nested(CaseRowOut))


class AlertOut(Schema):
    deal_id = fields.String(allow_none=True)
    kind = fields.String()
    subject = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class AlertListOut(Schema):
    items = fields.List(fields.Nested(AlertOut))


def _rows(cases) -> dict:
    at = now()
    return {"items": [{**plain(case_row(c)), "age_days": (at - c.opened_at).days} for c in cases]}


@blp.route("/arbitration/cases", methods=["GET"])
@api_arbitrator
@blp.response(200, CaseListOut)
def my_cases():
    """The cases assigned to me now, nearest deadline first."""
    return _rows(arbitrator_queue(db(), api_user().id))


@blp.route("/arbitration/alerts", methods=["GET"])
@api_arbitrator
@blp.response(200, AlertListOut)
def my_alerts():
    """New cases, evidence, reminders and reassignments, newest first."""
    return {"items": staff_alerts(db(), api_user().id)}


@blp.route("/operator/disputes", methods=["GET"])
@api_operator
@blp.response(200, CaseListOut)
def all_open_disputes():
    """Every open dispute with its stage and age."""
    return _rows(open_disputes(db()))


@blp.route("/operator/alerts", methods=["GET"])
@api_operator
@blp.response(200, AlertListOut)
def operator_alerts():
    """Escalations: cases past their ruling SLA, cases no arbitrator could take, appeals."""
    return {"items": staff_alerts(db(), None)}


@blp.route("/operator/disputes/<deal_id>/reassign", methods=["POST"])
@api_operator
@visible_case
@blp.arguments(ReassignBody)
@blp.response(200, DisputeActionOut)
@refusals
def reassign(data: dict, deal_id: str):
    """Take the current arbitrator off the case (with the reason); another one is assigned."""
    if not data["why"].strip():
        abort(422)
    return act(deal_id, DisputeAction.REASSIGN, note=data["why"])
