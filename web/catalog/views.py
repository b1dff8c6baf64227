"""Catalog pages: public browsing and search, listing and business pages; members publish."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from integrations.db import queries
from web.auth.access import member_required
from web.auth.identity import viewer
from web.catalog.inputs import ListingForm, SearchArgs
from web.catalog.publishing import publish_listing
from web.db import db
from web.errors import field_errors
from web.fields import form_data

blueprint = Blueprint("catalog", __name__, template_folder="templates")


def search_args() -> dict:
    """Query-string paging and search; anything malformed falls back to the first page."""
    try:
        return SearchArgs().load(request.args)
    except ValidationError:
        return SearchArgs().load({"q": request.args.get("q", "")})


@blueprint.get("/listings")
@blueprint.get("/")
def index():
    args = search_args()
    q = queries.clean_query(args["q"])
    per_page = current_app.config["LISTINGS_PER_PAGE"]
    page = queries.search_listings(db(), q, args["page"], per_page)
    return render_template("catalog/index.html", page=page, q=q)


@blueprint.get("/listings/<int:listing_id>")
def listing_detail(listing_id: int):
    listing = queries.listing(db(), listing_id)
    if listing is None or not listing.active:
        abort(404)
    return render_template("catalog/listing.html", listing=listing)


@blueprint.get("/businesses/<int:business_id>")
def business(business_id: int):
    profile = queries.business_profile(db(), business_id)
    if profile is None:
        abort(404)
    return render_template("catalog/business.html", profile=profile)


def _render_new(values: dict, errors: dict, status: int = 200):
    return render_template("catalog/new_listing.html", values=values, errors=errors,
                           categories=queries.categories(db())), status


@blueprint.get("/listings/new")
@member_required
def new_listing():
    return _render_new({"kind": "offer"}, {})


@blueprint.post("/listings/new")
@member_required
def publish():
    raw = form_data(request.form)
    try:
        listing_id = publish_listing(db(), viewer().business_id, ListingForm().load(raw))
    except ValidationError as error:
        return _render_new(raw, field_errors(error.messages), 422)
    flash("Your listing is published.", "success")
    return redirect(url_for("catalog.listing_detail", listing_id=listing_id), 303)
