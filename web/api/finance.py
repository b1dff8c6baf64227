"""API for finance (finance users and admins): escrow, the ledger explorer, adjustments under
the four-eyes rule, and revenue and activity. Everyone else gets 404, as on the pages."""

from __future__ import annotations

import datetime as dt

from flask import abort
from marshmallow import Schema, fields, validate

from integrations.db import queries
from web.api.access import api_finance, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import BalanceOut, ErrorOut, MoneyOut, StatementLineOut
from web.db import db
from web.finance.adjustments import approve_adjustment, propose_adjustment, reject_adjustment
from web.finance.inputs import AccountSearchArgs, ActivityArgs, AdjustmentBody, AdjustmentFilter, PageArgs

blp = ApiBlueprint("api_finance", __name__, description="Finance: escrow, ledger, adjustments, revenue")


class EscrowByStageOut(Schema):
    stage = fields.String()
    currency = fields.String()
    posted = fields.Integer()
    incoming_holds = fields.Integer()
    held = fields.Integer()
    deals = fields.Integer()


class WaitingDealOut(Schema):
    deal_id = fields.String()
    title = fields.String()
    stage = fields.String()
    updated_at = fields.DateTime()
    held = fields.List(fields.Nested(MoneyOut))


class EscrowOut(Schema):
    held_by_currency = fields.Function(lambda d: d.held_by_currency())
    by_stage = fields.List(fields.Nested(EscrowByStageOut))
    waiting = fields.List(fields.Nested(WaitingDealOut))


class AccountSummaryOut(Schema):
    address = fields.String()
    currency = fields.String()
    kind = fields.String()
    posted = fields.Integer()
    pending_out = fields.Integer()
    pending_in = fields.Integer()


class AccountListOut(Schema):
    items = fields.List(fields.Nested(AccountSummaryOut))


class AccountPageOut(Schema):
    balance = fields.Nested(BalanceOut)
    kind = fields.String()
    deal_id = fields.String(allow_none=True)
    items = fields.List(fields.Nested(StatementLineOut), attribute="lines.items")
    page = fields.Integer(attribute="lines.number")
    per_page = fields.Integer(attribute="lines.per_page")
    has_next = fields.Boolean(attribute="lines.has_next")


class EntryOut(Schema):
    address = fields.String()
    amount = fields.Nested(MoneyOut)
    pending = fields.Boolean()


class TransferOut(Schema):
    transfer_id = fields.String()
    kind = fields.String()
    status = fields.String()
    pending_id = fields.String(allow_none=True)
    memo = fields.String()
    created_at = fields.DateTime()
    deal_id = fields.String(allow_none=True)
    deal_title = fields.String(allow_none=True)
    adjustment_id = fields.Integer(allow_none=True)
    entries = fields.List(fields.Nested(EntryOut))


class AdjustmentOut(Schema):
    id = fields.Integer()
    from_account = fields.String()
    to_account = fields.String()
    amount = fields.Nested(MoneyOut)
    reason = fields.String()
    status = fields.String()
    proposed_by = fields.Integer()
    proposed_by_name = fields.String()
    proposed_at = fields.DateTime()
    decided_by = fields.Integer(allow_none=True)
    decided_by_name = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()
    transfer_id = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_error_at = fields.DateTime(allow_none=True)


class AdjustmentListOut(Schema):
    items = fields.List(fields.Nested(AdjustmentOut))


class RejectBody(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class ActivityOut(Schema):
    bucket = fields.String()
    since = fields.DateTime()
    until = fields.DateTime()
    buckets = fields.List(fields.Date())
    fees = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    volume = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    completed = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()))
    average_deal_size = fields.Function(lambda a: a.average_deal_size())
    active_members = fields.List(fields.Integer())
    active_members_total = fields.Integer()
    deals_by_model = fields.Dict(keys=fields.String(), values=fields.Integer())


def _refusals(view):
    for status, why in ((404, "No such adjustment"), (409, "Not allowed: the rule's reason (e.g. self-approval)"),
                        (422, "Malformed input, with field errors")):
        view = blp.alt_response(status, schema=ErrorOut, description=why)(view)
    return view


@blp.route("/finance/escrow", methods=["GET"])
@api_finance
@blp.response(200, EscrowOut)
def escrow():
    """Money and credits held in escrow, by currency and deal stage; ended deals still holding some."""
    return queries.escrow_dashboard(db())


@blp.route("/finance/accounts", methods=["GET"])
@api_finance
@blp.arguments(AccountSearchArgs, location="query")
@blp.response(200, AccountListOut)
def accounts(args: dict):
    """Ledger accounts whose address starts with `prefix` (the first 50, by address)."""
    return {"items": queries.search_accounts(db(), args["prefix"].strip())}


@blp.route("/finance/accounts/<address>", methods=["GET"])
@api_finance
@blp.arguments(PageArgs, location="query")
@blp.response(200, AccountPageOut)
def account(args: dict, address: str):
    """An account's balance and one page of its entries, newest first, with running balance."""
    page = queries.account_page(db(), address, args["page"], args["per_page"])
    if page is None:
        abort(404)
    return page


@blp.route("/finance/transfers/<transfer_id>", methods=["GET"])
@api_finance
@blp.response(200, TransferOut)
def transfer(transfer_id: str):
    """A transfer with its entries, and the deal or adjustment it belongs to."""
    view = queries.transfer_view(db(), transfer_id)
    if view is None:
        abort(404)
    return view


@blp.route("/finance/adjustments", methods=["GET"])
@api_finance
@blp.arguments(AdjustmentFilter, location="query")
@blp.response(200, AdjustmentListOut)
def adjustments(args: dict):
    """Open proposals first, then decided ones, newest first."""
    return {"items": queries.adjustments(db(), args.get("status"))}


@blp.route("/finance/adjustments", methods=["POST"])
@api_finance
@blp.arguments(AdjustmentBody)
@blp.response(201, AdjustmentOut)
@_refusals
def propose(data: dict):
    """Propose moving an amount between two ledger accounts; a second finance user must approve it."""
    return queries.adjustment(db(), propose_adjustment(db(), api_user().id, data))


def _decided(adjustment_id: int, done: bool):
    if not done:
        abort(404)
    return queries.adjustment(db(), adjustment_id)


@blp.route("/finance/adjustments/<int:adjustment_id>", methods=["GET"])
@api_finance
@blp.response(200, AdjustmentOut)
def adjustment(adjustment_id: int):
    return _decided(adjustment_id, True) or abort(404)


@blp.route("/finance/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@api_finance
@blp.response(200, AdjustmentOut)
@_refusals
def approve(adjustment_id: int):
    """Post the adjustment to the ledger. 409 if you proposed it, if it is already decided, or if
    the ledger refuses the posting (then it stays open and `last_error` says why)."""
    return _decided(adjustment_id, approve_adjustment(db(), adjustment_id, api_user().id))


@blp.route("/finance/adjustments/<int:adjustment_id>/reject", methods=["POST"])
@api_finance
@blp.arguments(RejectBody)
@blp.response(200, AdjustmentOut)
@_refusals
def reject(data: dict, adjustment_id: int):
    """Reject an open proposal (its proposer may reject it too: a withdrawal)."""
    return _decided(adjustment_id, reject_adjustment(db(), adjustment_id, api_user().id, data["note"].strip()))


@blp.route("/finance/activity", methods=["GET"])
@api_finance
@blp.arguments(ActivityArgs, location="query")
@blp.response(200, ActivityOut)
def activity(args: dict):
    """Fee revenue, gross volume, average deal size (minor units per currency), active members
    and deals by model, per day or week over the last `days` days (UTC)."""
    return queries.finance_activity(db(), args["days"], args["bucket"], dt.datetime.now(dt.UTC).date())
