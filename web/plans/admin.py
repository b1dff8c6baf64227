"""The admin's plans page: every plan with its commission, minimum fee and monthly price, each
editable. Admins only; every other user gets 404, as on the other staff pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.errors import InvalidInput
from domain.plans import Plan
from integrations.db.plans import all_plans, update_plan
from web.auth.access import staff_required
from web.auth.identity import viewer
from web.db import db
from web.errors import field_errors
from web.fields import form_data
from web.plans.inputs import FORM_FIELDS, PlanEditForm, hundredths

P = ParamSpec("P")
R = TypeVar("R")
blueprint = Blueprint("plan_admin", __name__, url_prefix="/staff/plans", template_folder="templates")


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """Staff first (anonymous visitors are sent to log in), then admins only: 404 for the rest."""
    @staff_required
    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if viewer().role != "admin":
            abort(404)
        return view(*args, **kwargs)
    return checked


def form_values(plan: Plan) -> dict[str, str]:
    return {"name": plan.name, "commission_percent": hundredths(plan.commission_bps),
            "minimum_fee": hundredths(plan.minimum_fee_minor),
            "monthly_price": hundredths(plan.monthly_price.amount_minor)}


def _render(values: dict[str, dict[str, str]], errors: dict[str, dict[str, list[str]]], status: int = 200):
    return render_template("plans/admin.html", plans=all_plans(db()), values=values, errors=errors), status


@blueprint.get("/")
@admin_required
def plans():
    return _render({plan.code: form_values(plan) for plan in all_plans(db())}, {})


@blueprint.post("/<code>")
@admin_required
def update(code: str):
    raw = form_data(request.form)
    values = {plan.code: form_values(plan) for plan in all_plans(db())}
    if code not in values:
        abort(404)
    try:
        plan = update_plan(db(), code, viewer().id, **PlanEditForm().load(raw))
    except ValidationError as error:
        return _render({**values, code: raw}, {code: field_errors(error.messages)}, 422)
    except InvalidInput as error:
        db().rollback()
        field = FORM_FIELDS.get(error.field or "", "_body")
        return _render({**values, code: raw}, {code: {field: [error.message]}}, 422)
    assert plan is not None
    flash(f"{plan.name} saved: commission {plan.commission} (minimum {hundredths(plan.minimum_fee_minor)}), "
          f"{plan.monthly_price} a month.", "success")
    return redirect(url_for("plan_admin.plans"), 303)
