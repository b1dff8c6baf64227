"""From a validated search (SearchArgs) to the query's ListingSearch: the category's slug becomes
its whole subtree, the delivery choice becomes flags."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from integrations.db.queries.catalog import clean_query
from integrations.db.queries.catalog_search import ListingSearch
from integrations.db.queries.category_tree import subtree_ids


def listing_search(session: Session, args: dict[str, Any]) -> ListingSearch:
    """Raises ValidationError (422) for a category that does not exist."""
    category_ids = None
    if args.get("category"):
        found = subtree_ids(session, args["category"])
        if found is None:
            raise ValidationError({"category": ["No such category."]})
        category_ids = frozenset(found)
    q = clean_query(args.get("q"))
    return ListingSearch(
        q=q, kind=args.get("kind"), category_ids=category_ids, currency=args["currency"],
        price_min=args.get("price_min"), price_max=args.get("price_max"),
        payment=tuple(dict.fromkeys(args.get("payment") or ())),
        remote=args.get("delivery") == "remote", on_site=args.get("delivery") == "on_site",
        city=args.get("city", ""), min_rating=args.get("min_rating"), verified_only=args.get("verified", False),
        sort=args.get("sort") or ("relevance" if q else "newest"),
        page=args["page"], per_page=args["per_page"],
    )
