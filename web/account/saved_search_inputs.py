"""What saving a search takes in (its name, its alerts, and the search itself as the catalog
takes it), and how a saved search is run again on the search page."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy.orm import Session

from integrations.db.notification_models import ALERT_MODES
from integrations.db.saved_searches import SavedSearchView
from web.catalog.inputs import SearchArgs
from web.catalog.search import listing_search
from web.fields import Text

ALERT_NAMES = {"immediate": "Email me at once", "digest": "In my daily digest"}


class SavedSearchBody(Schema):
    name = Text(load_default="", validate=validate.Length(max=120),
                metadata={"description": "blank: named after the search text or category"})
    alerts = fields.String(load_default="immediate", validate=validate.OneOf(ALERT_MODES),
                           metadata={"description": "new matching listings: immediate email or the daily digest"})
    search = fields.Nested(SearchArgs, load_default=dict, metadata={"description": "as GET /listings takes it"})


class SavedSearchForm(Schema):
    """The "Save this search" form: its own two fields; the search's fields travel beside them."""

    class Meta:
        unknown = EXCLUDE

    name = Text(load_default="", validate=validate.Length(max=120))
    alerts = fields.String(load_default="immediate", validate=validate.OneOf(ALERT_MODES))


def checked_search(session: Session, args: dict[str, Any]) -> dict[str, Any]:
    """The search as the catalog would run it; ValidationError (422) for an unknown category."""
    listing_search(session, {**args, "page": 1, "per_page": 1})
    return args


def default_name(args: dict[str, Any]) -> str:
    if args.get("q"):
        return f"“{args['q']}”"[:120]
    if args.get("category"):
        return f"{'Offers' if args.get('kind') == 'offer' else 'Wants' if args.get('kind') else 'Listings'} "\
               f"in {args['category']}"
    return "All new listings"


def page_args(saved: SavedSearchView) -> dict[str, Any]:
    """The search page's query string for a saved search (its prices are decimal text)."""
    args = dict(saved.search)
    for name in ("price_min", "price_max"):
        if args.get(name) is not None:
            whole, minor = divmod(int(args[name]), 100)
            args[name] = f"{whole}.{minor:02d}"
    return args


class SavedSearchOut(Schema):
    id = fields.Integer()
    name = fields.String()
    alerts = fields.String()
    search = fields.Dict()
    created_at = fields.DateTime()
