"""Finance's reconciliation page: the runs (nightly and on demand) with their mismatches, and
the form that starts one for a period."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from integrations.db.reconciliation import recent_runs
from web.auth.access import finance_required
from web.auth.identity import viewer
from web.db import db
from web.deal_service import deal_service
from web.fields import form_data
from workflows.messages import ReconciliationRequest

blueprint = Blueprint("finance_reconciliation", __name__, url_prefix="/finance", template_folder="templates")


class PeriodIn(Schema):
    """A period as dates (from the start of the first day to the end of the last), default the last day."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date()
    end = fields.Date()

    @validates_schema
    def _ordered(self, data: dict, **_kwargs) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("The period ends before it starts.", "end")


def reconciliation_request(data: dict, user_id: int, now: dt.datetime) -> ReconciliationRequest:
    end = dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time(), dt.UTC) if data.get("end") else now
    start = dt.datetime.combine(data["start"], dt.time(), dt.UTC) if data.get("start") else end - dt.timedelta(days=1)
    return ReconciliationRequest(start, end, user_id)


@blueprint.get("/reconciliation")
@finance_required
def runs():
    return render_template("finance/reconciliation.html", runs=recent_runs(db()))


@blueprint.post("/reconciliation")
@finance_required
def start():
    data = PeriodIn().load(form_data(request.form))
    deal_service().start_reconciliation(reconciliation_request(data, viewer().id, dt.datetime.now(dt.UTC)))
    # The run's row is written by its workflow, which may not have started yet when this page loads.
    flash("Reconciliation started; refresh in a moment to see it below, running and then with what it found.",
          "success")
    return redirect(url_for("finance_reconciliation.runs"), 303)
