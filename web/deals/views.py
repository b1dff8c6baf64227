"""Deal pages for members. Each handler parses, sends one command, and redirects or renders."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.errors import InvalidInput
from domain.money import CASH_CURRENCY, CREDITS
from domain.stages import Action, Stage
from integrations.db import queries
from integrations.db.queries import ListingView
from web.auth.access import member_required
from web.auth.identity import viewer
from web.db import db
from web.deal_service import deal_service
from web.deals.commands import command_for, deal_input, parties_for
from web.deals.ids import new_request_id
from web.deals.inputs import TEST_CARDS, ProposalForm, action_form
from web.deals.messages import MessageForm, send_message, thread_panel
from web.deals.page import deal_page
from web.disputes.page import deal_dispute_panel
from web.errors import form_errors
from web.fields import form_data
from web.formatting import decimal_amount

blueprint = Blueprint("deals", __name__, template_folder="templates")

DEFAULT_LEAD_DAYS = 14


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _open_listing(listing_id: int) -> ListingView:
    listing = queries.listing(db(), listing_id)
    if listing is None or not listing.active:
        abort(404)
    return listing


def _proposal_defaults(listing: ListingView) -> dict[str, str]:
    due = (_now() + dt.timedelta(days=DEFAULT_LEAD_DAYS)).date()
    prices = {m.currency: decimal_amount(m) for m in listing.prices}
    return {"price_cash": prices.get(CASH_CURRENCY, ""), "price_credits": prices.get(CREDITS, ""),
            "delivery_due_at": due.isoformat(),
            "inspection_days": "7", "acceptance_criteria": "", "request_id": new_request_id()}


def _render_proposal(listing: ListingView, values: dict, errors: dict, status: int = 200):
    buyer, _seller = parties_for(listing, viewer().business_id)
    return render_template(
        "deals/propose.html", listing=listing, values=values, errors=errors,
        visitor_buys=buyer == viewer().business_id, own_listing=listing.business_id == viewer().business_id,
        min_date=(_now() + dt.timedelta(days=1)).date().isoformat(),
    ), status


@blueprint.get("/listings/<int:listing_id>/propose")
@member_required
def propose_form(listing_id: int):
    listing = _open_listing(listing_id)
    return _render_proposal(listing, _proposal_defaults(listing), {})


@blueprint.post("/listings/<int:listing_id>/propose")
@member_required
def propose(listing_id: int):
    listing = _open_listing(listing_id)
    raw = form_data(request.form)
    try:
        data = ProposalForm().load(raw)
        start = deal_input(db(), listing, viewer().business_id, data, data["request_id"], _now())
    except (ValidationError, InvalidInput) as error:
        return _render_proposal(listing, raw, form_errors(error), 422)
    reply = deal_service().open_deal(start)
    flash(f"Your offer for “{listing.title}” was sent to {listing.business_name}.", "success")
    return redirect(url_for("deals.deal_detail", deal_id=reply.deal_id), 303)


@blueprint.get("/deals")
@member_required
def my_deals():
    stage = request.args.get("stage", "")
    if stage not in {s.value for s in Stage}:
        stage = ""
    deals = queries.deals_for_business(db(), viewer().business_id, stage or None)
    return render_template("deals/list.html", deals=deals, stage=stage, stages=list(Stage),
                           me=viewer().business_id)


def _my_deal(deal_id: str) -> queries.DealView:
    view = queries.deal_for_viewer(db(), deal_id, viewer().business_id)
    if view is None:
        abort(404)
    return view


@blueprint.get("/deals/<deal_id>")
@member_required
def deal_detail(deal_id: str):
    return _render_deal(deal_id)


def _render_deal(deal_id: str, status: int = 200, message_values: dict | None = None,
                 message_errors: dict | None = None):
    page = deal_page(_my_deal(deal_id), viewer().business_id, _now())
    account = queries.balance_and_statement(db(), viewer().business_id, limit=0) \
        if Action.FUND in page.allowed_actions else None
    dispute = deal_dispute_panel(db(), page.deal, viewer().business_id, _now())
    return render_template("deals/deal.html", page=page, account=account, read_only=False, test_cards=TEST_CARDS,
                           dispute=dispute, messages=thread_panel(page.deal, _now(), message_values, message_errors),
                           min_date=(_now() + dt.timedelta(days=1)).date().isoformat()), status


@blueprint.post("/deals/<deal_id>/messages")
@member_required
def post_message(deal_id: str):
    deal = queries.deal_state_for_party(db(), deal_id, viewer().business_id)
    if deal is None:
        abort(404)
    raw = form_data(request.form)
    try:
        data = MessageForm().load(raw)
        send_message(deal, viewer(), data, data["request_id"], _now())
    except (ValidationError, InvalidInput) as error:
        return _render_deal(deal_id, 422, {**raw, "request_id": raw.get("request_id") or new_request_id()},
                            form_errors(error))
    flash("Message sent.", "success")
    return redirect(url_for("deals.deal_detail", deal_id=deal_id, _anchor="messages"), 303)


@blueprint.post("/deals/<deal_id>/actions/<action_name>")
@member_required
def act(deal_id: str, action_name: str):
    if action_name not in {a.value for a in Action}:
        abort(404)
    action = Action(action_name)
    current = queries.deal_state_for_party(db(), deal_id, viewer().business_id)
    if current is None:
        abort(404)
    data = action_form(action).load(form_data(request.form))
    command = command_for(db(), current, action, viewer().business_id, viewer().id, data, _now())
    reply = deal_service().act(deal_id, command)
    flash(reply.summary, "success")
    return redirect(url_for("deals.deal_detail", deal_id=deal_id), 303)
