"""Catalog pages: public browsing and search, listing and business pages; members publish."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.errors import InvalidInput
from integrations.db import queries
from integrations.db.listing_attachments import attachment_bytes, attachment_of
from integrations.db.queries.catalog_search import PAYMENT_MODELS, SORTS, find_listings
from integrations.db.queries.category_tree import category_tree
from web.auth.access import member_required
from web.auth.identity import viewer
from web.catalog.inputs import DELIVERY_MODES, ListingForm, SearchForm
from web.catalog.publishing import publish_listing
from web.catalog.search import listing_search
from web.catalog.uploads import allow_uploads, read_upload
from web.db import db
from web.errors import field_errors, form_errors
from web.fields import form_data
from web.verification import remember_verified

blueprint = Blueprint("catalog", __name__, template_folder="templates")
allow_uploads(blueprint)


def search_args() -> tuple[dict, dict[str, list[str]]]:
    """The query string's search and filters. A malformed filter is left out and reported
    beside the results, never an error page: people paste and edit these URLs."""
    raw: dict = {**request.args.to_dict(), "payment": request.args.getlist("payment")}
    try:
        return SearchForm().load(raw), {}
    except ValidationError as error:
        errors = field_errors(error.messages)
        kept = {k: v for k, v in raw.items() if k not in error.messages}
        try:
            return SearchForm().load(kept), errors
        except ValidationError:  # a rule across fields (price range): drop them all
            return SearchForm().load({"q": raw.get("q", "")}), errors


@blueprint.get("/listings")
@blueprint.get("/")
def index():
    args, errors = search_args()
    args["per_page"] = current_app.config["LISTINGS_PER_PAGE"]
    try:
        search = listing_search(db(), args)
    except ValidationError as error:
        errors |= field_errors(error.messages)
        search = listing_search(db(), {**args, "category": None})
    page = find_listings(db(), search)
    remember_verified({item.business_id: item.business_verified for item in page.items})
    filters = {k: v for k, v in request.args.to_dict().items() if k not in ("page", *errors)}
    filters["payment"] = request.args.getlist("payment")
    return render_template("catalog/index.html", page=page, q=search.q, filters=filters, errors=errors,
                           categories=category_tree(db()), payment_models=PAYMENT_MODELS, sorts=SORTS,
                           delivery_modes=DELIVERY_MODES, verified_only=search.verified_only)


@blueprint.get("/listings/<int:listing_id>")
def listing_detail(listing_id: int):
    listing = queries.listing(db(), listing_id)
    if listing is None or not listing.active:
        abort(404)
    return render_template("catalog/listing.html", listing=listing, attachment=attachment_of(db(), listing_id))


@blueprint.get("/listings/<int:listing_id>/attachment")
def listing_attachment(listing_id: int):
    listing = queries.listing(db(), listing_id)
    found = attachment_bytes(db(), listing_id) if listing is not None and listing.active else None
    if found is None:
        abort(404)
    file, data = found
    # Pictures show in the page; a brochure downloads. Its type was read from its content, and the
    # browser must not guess another.
    disposition = "inline" if file.is_image else "attachment"
    return Response(data, mimetype=file.media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{file.name.replace(chr(34), "")}"',
        "X-Content-Type-Options": "nosniff"})


@blueprint.get("/businesses/<int:business_id>")
def business(business_id: int):
    profile = queries.business_profile(db(), business_id)
    if profile is None:
        abort(404)
    return render_template("catalog/business.html", profile=profile)


def _render_new(values: dict, errors: dict, status: int = 200):
    return render_template("catalog/new_listing.html", values=values, errors=errors,
                           categories=category_tree(db())), status


@blueprint.get("/listings/new")
@member_required
def new_listing():
    return _render_new({"kind": "offer", "delivery_mode": "remote", "lead_time_days": "14"}, {})


@blueprint.post("/listings/new")
@member_required
def publish():
    raw = form_data(request.form)
    errors: dict[str, list[str]] = {}
    data = attachment = None
    try:
        data = ListingForm().load(raw)
    except ValidationError as error:
        errors |= form_errors(error)
    try:
        attachment = read_upload(request.files.get("attachment"))
    except InvalidInput as refused:  # said beside the other fields' faults, not instead of them
        errors |= form_errors(refused)
    try:
        if errors:
            raise ValidationError(errors)
        listing_id = publish_listing(db(), viewer().business_id, data, attachment, viewer().id)
    except ValidationError as error:
        return _render_new(raw, field_errors(error.messages), 422)
    flash("Your listing is published.", "success")
    return redirect(url_for("catalog.listing_detail", listing_id=listing_id), 303)


from web.catalog import category_admin  # noqa: E402,F401  (its routes join this blueprint)
