"""The operator metrics page: admins only (404 for everyone else), a chosen period of whole
weeks, a chart and its table per metric."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from integrations.db.queries.metrics import operator_metrics
from web.db import db
from web.errors import field_errors
from web.metrics.charts import charts
from web.plans.admin import admin_required

blueprint = Blueprint("metrics", __name__, url_prefix="/staff/metrics", template_folder="templates")
WEEK_CHOICES = (4, 8, 12, 26, 52)


class PeriodArgs(Schema):
    """`weeks` whole weeks, the last one holding `until` (today by default)."""

    class Meta:
        unknown = EXCLUDE

    weeks = fields.Integer(load_default=12, validate=validate.Range(1, 104, error="Choose 1 to 104 weeks."))
    until = fields.Date(load_default=None)

    @validates("until")
    def _not_ahead(self, value: dt.date | None, **_kwargs) -> None:
        if value is not None and value > today():
            raise ValidationError("The period ends today at the latest.")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def period(args: dict) -> tuple[int, dt.date]:
    return args["weeks"], args["until"] or today()


@blueprint.get("")
@admin_required
def metrics():
    raw = {key: value for key, value in request.args.items() if value.strip()}
    try:
        args, errors, status = PeriodArgs().load(raw), {}, 200
    except ValidationError as error:
        args, errors, status = PeriodArgs().load({}), field_errors(error.messages), 422
    weeks, until = period(args)
    found = operator_metrics(db(), weeks, until)
    drawn = charts(found)
    return render_template("metrics/metrics.html", metrics=found, charts=drawn, specs=[c.spec for c in drawn],
                           weeks=weeks, until=until, choices=WEEK_CHOICES, errors=errors), status
