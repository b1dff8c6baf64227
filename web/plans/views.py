"""The member's plans page: the plans side by side, the current one, the next payment, the
payment history, and the forms to subscribe, change card or plan, and cancel."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from integrations.db.plans import all_plans, charges_of, current_plan, subscription_of
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db
from web.deals.inputs import TEST_CARDS
from web.fields import form_data
from web.plans.inputs import PlanChoiceIn
from web.plans.service import cancel_plan, choose_plan

blueprint = Blueprint("plans", __name__, template_folder="templates")
STATUS_LABELS = {"active": "active", "past_due": "payment failed: we are trying again",
                 "cancelled": "cancelled", "downgraded": "moved to Free after failed payments"}


@blueprint.get("/plans")
@member_required
def plans():
    business_id = viewer().business_id
    return render_template("plans/plans.html", plans=all_plans(db()), current=current_plan(db(), business_id),
                           subscription=subscription_of(db(), business_id), charges=charges_of(db(), business_id),
                           test_cards=TEST_CARDS, status_labels=STATUS_LABELS)


@blueprint.post("/plans/subscribe")
@member_required
def subscribe():
    data = PlanChoiceIn().load(form_data(request.form))
    me = viewer()
    reply = choose_plan(me.business_id, me.id, data["plan"], data["payment_method"])
    flash(f"{reply.summary}.", "success")
    return redirect(url_for("plans.plans"), 303)


@blueprint.post("/plans/cancel")
@member_required
def cancel():
    me = viewer()
    reply = cancel_plan(me.business_id, me.id)
    flash(f"{reply.summary}.", "success")
    return redirect(url_for("plans.plans"), 303)
