"""Whether one listing is among a search's results: the test behind saved-search alerts.

It runs the catalog search's own conditions (its filters, full-text and partial title-word
matching, and its typo fallback) narrowed to the one listing, so "matches" means exactly that
the search page would show it. The order of results does not change membership, so the
ranking window is not used; a search whose text matches nothing as typed is read as a typo,
as the page does, and only then is the corrected text tried.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.app_models import Listing
from integrations.db.queries.catalog import clean_query
from integrations.db.queries.catalog_search import (
    ListingSearch,
    contradictory,
    known_words,
    search_filters,
    text_match,
)


def listing_matches(session: Session, search: ListingSearch, listing_id: int) -> bool:
    if contradictory(search):
        return False
    conditions = search_filters(search)
    this_one = Listing.id == listing_id

    def found(*more) -> bool:
        return session.scalar(select(Listing.id).where(*conditions, *more).limit(1)) is not None

    typed = clean_query(search.q)
    if not typed:
        return found(this_one)
    known = known_words(session, typed)
    exact, _rank = text_match(typed, known.partial)
    if found(exact, this_one):
        return True
    if found(exact) or not known.corrected:
        return False  # the page shows what matches as typed, and this listing is not among them
    fixed, _rank = text_match(known.corrected, known.corrected_partial)
    return found(fixed, this_one)
