"""Finance pages: thin views over `queries` (reads) and `adjustments` (the one write)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from integrations.db import queries
from web.auth.access import finance_required
from web.auth.identity import viewer
from web.db import db
from web.errors import field_errors
from web.fields import form_data
from web.finance import reports
from web.finance.adjustments import approve_adjustment, propose_adjustment, reject_adjustment
from web.finance.inputs import (
    CURRENCIES,
    DATASETS,
    AccountSearchArgs,
    ActivityArgs,
    AdjustmentForm,
    PageArgs,
)

blueprint = Blueprint("finance", __name__, url_prefix="/finance", template_folder="templates")


def _args(schema, source=None) -> dict:
    """Query-string arguments; malformed ones fall back to the defaults rather than a 422 page."""
    try:
        return schema().load(source if source is not None else request.args)
    except ValidationError:
        return schema().load({})


@blueprint.get("/")
@finance_required
def escrow():
    return render_template("finance/escrow.html", dashboard=queries.escrow_dashboard(db()))


@blueprint.get("/ledger")
@finance_required
def ledger():
    prefix = _args(AccountSearchArgs)["prefix"].strip()
    return render_template("finance/ledger.html", prefix=prefix, accounts=queries.search_accounts(db(), prefix),
                           trial_balance=queries.staff_overview(db(), recent=0).trial_balance)


@blueprint.get("/ledger/accounts/<address>")
@finance_required
def account(address: str):
    paging = _args(PageArgs)
    page = queries.account_page(db(), address, paging["page"], paging["per_page"])
    if page is None:
        abort(404)
    return render_template("finance/account.html", account=page)


@blueprint.get("/ledger/transfers/<transfer_id>")
@finance_required
def transfer(transfer_id: str):
    view = queries.transfer_view(db(), transfer_id)
    if view is None:
        abort(404)
    return render_template("finance/transfer.html", transfer=view)


def _render_adjustments(values: dict, errors: dict, status: int = 200):
    return render_template("finance/adjustments.html", adjustments=queries.adjustments(db()),
                           currencies=CURRENCIES, values=values, errors=errors), status


@blueprint.get("/adjustments")
@finance_required
def adjustments():
    return _render_adjustments({"currency": "CRD", **request.args.to_dict()}, {})


@blueprint.post("/adjustments")
@finance_required
def propose():
    raw = form_data(request.form)
    try:
        adjustment_id = propose_adjustment(db(), viewer().id, AdjustmentForm().load(raw))
    except ValidationError as error:
        return _render_adjustments(raw, field_errors(error.messages), 422)
    flash(f"Adjustment #{adjustment_id} proposed. A second finance user must approve it.", "success")
    return redirect(url_for("finance.adjustment", adjustment_id=adjustment_id), 303)


@blueprint.get("/adjustments/<int:adjustment_id>")
@finance_required
def adjustment(adjustment_id: int):
    found = queries.adjustment(db(), adjustment_id)
    if found is None:
        abort(404)
    return render_template("finance/adjustment.html", adjustment=found)


@blueprint.post("/adjustments/<int:adjustment_id>/approve")
@finance_required
def approve(adjustment_id: int):
    if not approve_adjustment(db(), adjustment_id, viewer().id):
        abort(404)
    flash(f"Adjustment #{adjustment_id} approved and posted to the ledger.", "success")
    return redirect(url_for("finance.adjustment", adjustment_id=adjustment_id), 303)


@blueprint.post("/adjustments/<int:adjustment_id>/reject")
@finance_required
def reject(adjustment_id: int):
    note = request.form.get("note", "").strip()[:1000]
    if not reject_adjustment(db(), adjustment_id, viewer().id, note):
        abort(404)
    flash(f"Adjustment #{adjustment_id} rejected.", "success")
    return redirect(url_for("finance.adjustment", adjustment_id=adjustment_id), 303)


def _activity(args: dict) -> queries.Activity:
    return queries.finance_activity(db(), args["days"], args["bucket"], dt.datetime.now(dt.UTC).date())


@blueprint.get("/activity")
@finance_required
def activity():
    args = _args(ActivityArgs)
    found = _activity(args)
    return render_template("finance/activity.html", activity=found, charts=reports.charts(found), args=args,
                           titles=reports.TITLES)


@blueprint.get("/activity/<dataset>.csv")
@finance_required
def export(dataset: str):
    if dataset not in DATASETS:
        abort(404)
    args = _args(ActivityArgs)
    body = reports.csv_text(*reports.table(_activity(args), dataset))
    filename = f"tradepact-{dataset}-{args['days']}d-by-{args['bucket']}-{dt.datetime.now(dt.UTC).date().isoformat()}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
