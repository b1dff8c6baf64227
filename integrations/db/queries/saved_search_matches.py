"""Whether one listing is among a search's results: the test behind saved-search alerts.

It runs the catalog search's own query (matching_ids, with its filters, full-text and partial
title matching, and its typo fallback) narrowed to the one listing, so "matches" means exactly
that the search page would show it. The order of results does not change membership, so the
ranking window is not used; a search whose text matches nothing as typed is read as a typo,
as the page does, and only then is the corrected text tried.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from integrations.db.app_models import Listing
from integrations.db.queries.catalog import clean_query
from integrations.db.queries.catalog_search import ListingSearch, _exact_match, corrected, matching_ids


def listing_matches(session: Session, search: ListingSearch, listing_id: int) -> bool:
    search = replace(search, sort="newest", page=1, per_page=1)
    this_one = Listing.id == listing_id
    typed = clean_query(search.q)
    if not typed:
        return session.scalar(matching_ids(search).where(this_one)) is not None
    exact = _exact_match(typed)
    if session.scalar(matching_ids(search, exact).where(this_one)) is not None:
        return True
    if session.scalar(matching_ids(search, exact)) is not None:
        return False  # the page shows what matches as typed, and this listing is not among them
    fixed = corrected(session, typed)
    return fixed is not None and session.scalar(matching_ids(search, _exact_match(fixed)).where(this_one)) is not None
