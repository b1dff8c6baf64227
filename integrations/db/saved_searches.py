"""Saved catalog searches: a member's own list (save, read, delete) and, for the worker, the
searches a newly published listing may alert.

A saved search keeps the search page's validated arguments (prices in minor units of their
currency), not a translated query: the category's subtree and the search rules are applied
again each time it is run or matched, so a saved search means what the page means today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from domain.errors import RuleViolation
from integrations.db.notification_models import SavedSearch

MAX_SAVED_SEARCHES = 25
SEARCH_KEYS = ("q", "kind", "category", "currency", "price_min", "price_max", "payment", "delivery", "city",
               "min_rating", "sort")


@dataclass(frozen=True)
class SavedSearchView:
    id: int
    name: str
    search: dict[str, Any]
    alerts: str
    created_at: dt.datetime


def _view(row: SavedSearch) -> SavedSearchView:
    return SavedSearchView(row.id, row.name, row.search, row.alerts, row.created_at)


def stored_search(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments worth keeping: no page, and nothing left at "any"."""
    return {key: args[key] for key in SEARCH_KEYS if args.get(key) not in (None, "", [])}


def save_search(session: Session, business_id: int, name: str, args: dict[str, Any], alerts: str,
                now: dt.datetime) -> SavedSearchView:
    count = session.scalar(select(func.count()).where(SavedSearch.business_id == business_id)) or 0
    if count >= MAX_SAVED_SEARCHES:
        raise RuleViolation(f"You have {MAX_SAVED_SEARCHES} saved searches, the most there can be: "
                            "delete one before saving another.")
    row = SavedSearch(business_id=business_id, name=name, search=stored_search(args), alerts=alerts, created_at=now)
    session.add(row)
    session.commit()
    return _view(row)


def saved_searches_of(session: Session, business_id: int) -> list[SavedSearchView]:
    rows = session.scalars(select(SavedSearch).where(SavedSearch.business_id == business_id)
                           .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc()))
    return [_view(row) for row in rows]


def delete_search(session: Session, business_id: int, search_id: int) -> bool:
    """False when there is no such search of this business (the caller answers 404)."""
    result = session.execute(delete(SavedSearch).where(SavedSearch.id == search_id,
                                                       SavedSearch.business_id == business_id))
    session.commit()
    return result.rowcount == 1


def searches_to_alert(session: Session, publisher_id: int, kind: str, published_at: dt.datetime) -> list[SavedSearch]:
    """Other businesses' searches saved before the listing was published (never one's own), less
    those for the other kind of listing: each one left costs the matcher a query or three."""
    wanted_kind = SavedSearch.search["kind"].astext
    return list(session.scalars(select(SavedSearch).where(
        SavedSearch.business_id != publisher_id, SavedSearch.created_at <= published_at,
        or_(wanted_kind.is_(None), wanted_kind == kind)).order_by(SavedSearch.id)))
