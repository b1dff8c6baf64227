"""API: categories and listings (browse, search, read, publish)."""

from __future__ import annotations

import datetime as dt

from flask import abort, request

from domain.listing_files import FIELD, AttachmentRefused
from integrations.db.listing_attachments import attach as store_attachment
from integrations.db.queries.catalog_search import find_listings, listing_with_standing
from integrations.db.queries.category_tree import category_tree
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import CategoryOut, ListingOut, ListingPageOut
from web.catalog.inputs import ListingBody, SearchArgs
from web.catalog.publishing import publish_listing
from web.catalog.search import listing_search
from web.catalog.uploads import read_upload
from web.db import db

blp = ApiBlueprint("api_catalog", __name__, description="Categories and listings")


@blp.route("/categories", methods=["GET"])
@blp.response(200, CategoryOut(many=True))
def categories():
    """The category tree, each parent followed by its children (`parent_id`, `depth`)."""
    return category_tree(db())


@blp.route("/listings", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, ListingPageOut)
def listings(args: dict):
    """Offers and wants, filtered and sorted. With `q`: ranked full-text search; partial title
    words match too, and a text that matches nothing is retried as a typo (closest known words).
    `category` includes its subcategories; prices are minor units of `currency`."""
    return find_listings(db(), listing_search(db(), args))


@blp.route("/listings", methods=["POST"])
@api_member
@blp.arguments(ListingBody)
@blp.response(201, ListingOut)
def publish(data: dict):
    listing_id = publish_listing(db(), api_user().business_id, data)
    return listing_with_standing(db(), listing_id)


@blp.route("/listings/<int:listing_id>/attachment", methods=["PUT"])
@api_member
@blp.response(200, ListingOut)
def attach(listing_id: int):
    """Attach a picture or brochure to my listing, replacing any earlier one: multipart/form-data
    with the file as `file` (PNG, JPEG or PDF, at most 5 MB; the type is read from the content)."""
    found = listing_with_standing(db(), listing_id)
    if found is None or not found.active or found.business_id != api_user().business_id:
        abort(404)  # another business's listing is not one this member may change
    checked = read_upload(request.files.get("file"))
    if checked is None:
        raise AttachmentRefused("Send the file as the multipart field `file`.", FIELD)
    store_attachment(db(), listing_id, *checked, api_user().id, dt.datetime.now(dt.UTC))
    db().commit()
    return listing_with_standing(db(), listing_id)


@blp.route("/listings/<int:listing_id>", methods=["GET"])
@blp.response(200, ListingOut)
def listing(listing_id: int):
    found = listing_with_standing(db(), listing_id)
    if found is None or not found.active:
        abort(404)
    return found
