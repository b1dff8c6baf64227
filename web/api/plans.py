"""API for plans: a member's plan, subscription and payments, choosing a plan and cancelling;
and, for admins, editing the plans and their fees. Everyone else gets 404, as on the pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from marshmallow import Schema, fields

from domain.errors import InvalidInput
from integrations.db.plans import all_plans, charges_of, current_plan, subscription_of, update_plan
from web.api.access import api_member, api_signed_in, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import ErrorOut, MoneyOut
from web.db import db
from web.plans.inputs import PlanChoiceIn, PlanEditBody
from web.plans.service import cancel_plan, choose_plan

P = ParamSpec("P")
R = TypeVar("R")
blp = ApiBlueprint("api_plans", __name__, description="Plans and fees, subscriptions and their payments")


def api_admin(view: Callable[P, R]) -> Callable[P, R]:
    @api_signed_in
    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if api_user().role != "admin":
            abort(404)
        return view(*args, **kwargs)
    return checked


class PlanOut(Schema):
    code = fields.String()
    name = fields.String()
    commission_bps = fields.Integer()
    minimum_fee_minor = fields.Integer()
    monthly_price = fields.Nested(MoneyOut)


class SubscriptionOut(Schema):
    plan_code = fields.String()
    status = fields.String()
    started_at = fields.DateTime()
    current_period_start = fields.DateTime()
    current_period_end = fields.DateTime()
    next_charge_at = fields.DateTime(allow_none=True)
    failed_attempts = fields.Integer()
    cancel_at_period_end = fields.Boolean()
    next_plan_code = fields.String(allow_none=True)


class ChargeOut(Schema):
    key = fields.String()
    plan_code = fields.String()
    attempt = fields.Integer()
    period_start = fields.DateTime()
    period_end = fields.DateTime()
    amount = fields.Nested(MoneyOut)
    status = fields.String()
    payment_intent_id = fields.String(allow_none=True)
    failure = fields.String(allow_none=True)
    created_at = fields.DateTime()


class MyPlanOut(Schema):
    plan = fields.Nested(PlanOut)
    subscription = fields.Nested(SubscriptionOut, allow_none=True)
    payments = fields.List(fields.Nested(ChargeOut))


class SubscriptionReplyOut(Schema):
    plan_code = fields.String()
    status = fields.String()
    cancel_at_period_end = fields.Boolean()
    current_period_end = fields.DateTime()
    next_charge_at = fields.DateTime(allow_none=True)
    summary = fields.String()


def my_plan(business_id: int) -> dict:
    return {"plan": current_plan(db(), business_id), "subscription": subscription_of(db(), business_id),
            "payments": charges_of(db(), business_id)}


@blp.route("/plans", methods=["GET"])
@api_member
@blp.response(200, PlanOut(many=True))
def plans():
    """Every plan: its commission (basis points, with a minimum per deal leg) and monthly price."""
    return all_plans(db())


@blp.route("/subscription", methods=["GET"])
@api_member
@blp.response(200, MyPlanOut)
def subscription():
    """The business's plan now, its subscription (if it ever had one) and its payments, newest first."""
    return my_plan(api_user().business_id)


@blp.route("/subscription", methods=["POST"])
@api_member
@blp.arguments(PlanChoiceIn)
@blp.response(200, SubscriptionReplyOut)
@blp.alt_response(409, schema=ErrorOut, description="Refused now (a declined first card, already on the plan)")
@blp.alt_response(503, schema=ErrorOut, description="The workflow service is away: try again")
def choose(data: dict):
    """Subscribe to a paid plan (the first month is charged at once), take back a cancellation,
    switch plan from the next month, or pay with another card (`payment_method`) from the next
    payment."""
    return choose_plan(api_user().business_id, api_user().id, data["plan"], data["payment_method"])


@blp.route("/subscription/cancel", methods=["POST"])
@api_member
@blp.response(200, SubscriptionReplyOut)
@blp.alt_response(409, schema=ErrorOut, description="No paid plan, or already cancelled")
@blp.alt_response(503, schema=ErrorOut, description="The workflow service is away: try again")
def cancel():
    """Cancel: the plan lasts until the paid month ends, then the business is on Free."""
    return cancel_plan(api_user().business_id, api_user().id)


@blp.route("/admin/plans", methods=["GET"])
@api_admin
@blp.response(200, PlanOut(many=True))
def admin_plans():
    """Admins: every plan, to edit."""
    return all_plans(db())


@blp.route("/admin/plans/<code>", methods=["PATCH"])
@api_admin
@blp.arguments(PlanEditBody)
@blp.response(200, PlanOut)
@blp.alt_response(404, schema=ErrorOut, description="No such plan")
@blp.alt_response(422, schema=ErrorOut, description="A value outside the platform's bounds")
def edit_plan(data: dict, code: str):
    """Admins: change a plan's name, commission (0-5000 basis points), minimum fee (0-10000 minor
    units) or monthly price (Free: 0; a paid plan: 50-1000000). Fees apply to deals started from
    now on; a price from each subscriber's next month."""
    try:
        plan = update_plan(db(), code, api_user().id, **data)
    except InvalidInput as error:
        db().rollback()
        field = "monthly_price_minor" if error.field == "monthly_price" else error.field
        raise InvalidInput(error.message, field=field) from error
    if plan is None:
        abort(404)
    return plan
