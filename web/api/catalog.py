"""API: categories and listings (browse, search, read, publish)."""

from __future__ import annotations

from flask import abort

from integrations.db.queries.catalog_search import find_listings, listing_with_standing
from integrations.db.queries.category_tree import category_tree
from web.api.access import api_member, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import CategoryOut, ListingOut, ListingPageOut
from web.catalog.inputs import ListingBody, SearchArgs
from web.catalog.publishing import publish_listing
from web.catalog.search import listing_search
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


@blp.route("/listings/<int:listing_id>", methods=["GET"])
@blp.response(200, ListingOut)
def listing(listing_id: int):
    found = listing_with_standing(db(), listing_id)
    if found is None or not found.active:
        abort(404)
    return found
