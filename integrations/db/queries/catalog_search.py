"""Catalog search: ranked full-text with typo tolerance, filters, sorting and pages.

A listing matches the typed text when its text-search vector matches `websearch_to_tsquery` or
when its title contains every typed word of three letters or more (so "acc" finds
"Accounting"); these rank by `ts_rank`. When nothing matches so, the text is read as a typo:
each word is replaced by the most similar word of any title (pg_trgm similarity over the
`catalog_words` lexicon a trigger keeps, so "bokkeeping" finds "Bookkeeping") and searched
again. Ranking similarity over every title instead costs ~40 ms at 100,000 listings; the
lexicon lookup costs about one.

No "verified only" filter yet: businesses have no verification column on this branch (KYB
adds it). Every filter maps to a column an index of migration 0010 serves; the caller's text never
reaches SQL except as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy import text as text_clause
from sqlalchemy.orm import Session

from domain.money import CASH_CURRENCY, CREDITS
from integrations.db.app_models import Business, Category, Listing
from integrations.db.queries.catalog import clean_query, listing_prices
from integrations.db.queries.views import CategoryView, ListingView, Page
from integrations.db.reputation_models import ReputationRow

__all__ = ["ListingSearch", "PAYMENT_MODELS", "SORTS", "find_listings"]

PAYMENT_MODELS = ("cash", "credits", "hybrid", "barter")
SORTS = ("relevance", "newest", "price_asc", "price_desc", "rating")
MIN_PARTIAL_WORD = 3  # shorter words would match nearly every title, and no trigram index helps them
MAX_PARTIAL_WORDS = 8
RANK_WINDOW = 1000


@dataclass(frozen=True)
class ListingSearch:
    """What a searcher asked for. Prices are in minor units of `currency`; `category_ids` is a
    whole subtree (see category_tree.subtree_ids), None for any; an empty `payment` means any."""

    q: str = ""
    kind: str | None = None
    category_ids: frozenset[int] | None = None
    currency: str = CASH_CURRENCY
    price_min: int | None = None
    price_max: int | None = None
    payment: tuple[str, ...] = ()
    remote: bool = False  # remote listings, or (with `city`) remote ones and on-site ones there
    on_site: bool = False
    city: str = ""
    min_rating: float | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


def _ratings():
    """The stored reputation score (integrations/db/reputation_read_model.py) of businesses with
    at least one revealed review: one row per business, read by key, never aggregated here."""
    return (select(ReputationRow.business_id.label("subject_id"), ReputationRow.score.label("rating"),
                   ReputationRow.review_count.label("n"))
            .where(ReputationRow.review_count > 0).subquery("ratings"))


def _price_column(currency: str):
    return Listing.price_credits_minor if currency == CREDITS else Listing.price_cash_minor


def _payment(model: str) -> ColumnElement[bool]:
    cash, credits = Listing.price_cash_minor.is_not(None), Listing.price_credits_minor.is_not(None)
    return {"cash": and_(cash, ~credits), "credits": and_(credits, ~cash), "hybrid": and_(cash, credits),
            "barter": Listing.open_to_barter}[model]


def _delivery(search: ListingSearch) -> ColumnElement[bool] | None:
    city = search.city.strip().lower()
    here = and_(Listing.delivery_mode == "on_site", func.lower(Listing.city) == city) if city else None
    remote = Listing.delivery_mode == "remote"
    if here is not None:
        return or_(remote, here) if search.remote else here
    if search.remote != search.on_site:
        return remote if search.remote else Listing.delivery_mode == "on_site"
    return None


def _filters(search: ListingSearch, ratings) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Listing.active]
    if search.kind:
        found.append(Listing.kind == search.kind)
    if search.category_ids is not None:
        found.append(Listing.category_id.in_(sorted(search.category_ids)))
    price = _price_column(search.currency)
    if search.price_min is not None:
        found.append(price >= search.price_min)
    if search.price_max is not None:
        found.append(price <= search.price_max)
    if search.payment:
        found.append(or_(*(_payment(m) for m in search.payment)))
    if (delivery := _delivery(search)) is not None:
        found.append(delivery)
    if search.min_rating is not None:
        found.append(ratings.c.rating >= search.min_rating)
    return found


def _exact_match(text: str) -> tuple[ColumnElement[bool], Callable[[Any], ColumnElement[float]]]:
    """Full-text match, or every typed word inside the title; and its rank given a tsvector."""
    query = func.websearch_to_tsquery("english", text)
    words = [w for w in text.split() if len(w) >= MIN_PARTIAL_WORD][:MAX_PARTIAL_WORDS]
    matches = [Listing.search.op("@@")(query)]
    if words:
        matches.append(and_(*(Listing.title.ilike(_like(w), escape="\\") for w in words)))
    return or_(*matches), lambda vector: func.ts_rank(vector, query)


def corrected(session: Session, text: str) -> str | None:
    """The typed text with each word replaced by the closest word of any title (pg_trgm
    similarity over the `catalog_words` lexicon); None when no word changes."""
    words = text.lower().split()[:MAX_PARTIAL_WORDS]
    fixed = []
    for word in words:
        closest = None
        if len(word) >= MIN_PARTIAL_WORD:
            closest = session.scalar(
                select(literal_column("word")).select_from(text_clause("catalog_words"))
                .where(literal_column("word").op("%")(word))
                .order_by(func.similarity(literal_column("word"), word).desc(), literal_column("word"))
                .limit(1))
        fixed.append(closest or word)
    return " ".join(fixed) if fixed != words else None


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _order(search: ListingSearch, ratings) -> list:
    """Every order but relevance (ranked in matching_ids); relevance without text is newest."""
    newest = [Listing.created_at.desc(), Listing.id.desc()]
    price = _price_column(search.currency)
    return {
        "relevance": newest,
        "newest": newest,
        "price_asc": [price.asc().nulls_last(), *newest],
        "price_desc": [price.desc().nulls_last(), *newest],
        "rating": [ratings.c.rating.desc().nulls_last(), *newest],
    }[search.sort]


def matching_ids(search: ListingSearch, match=None) -> Select:
    """The ids of one page (plus one, to tell whether another follows), in the asked order.

    Only ids and sort keys are read here; the reviews are aggregated only when a rating filter
    or sort needs them. Relevance ranks the RANK_WINDOW newest matches (or as many as the page
    reaches): ranking every match of a common word costs ~2 us a row and grows with the catalog."""
    ratings = _ratings()
    conditions = _filters(search, ratings)
    rank = None
    if match is not None:
        condition, rank = match
        conditions.append(condition)
    number = max(search.page, 1)
    offset = (number - 1) * search.per_page
    statement = select(Listing.id).where(*conditions)
    if search.min_rating is not None or search.sort == "rating":
        statement = statement.join(ratings, ratings.c.subject_id == Listing.business_id,
                                   isouter=search.min_rating is None)
    if search.sort == "relevance" and rank is not None:
        # Ranked outside the window, so ts_rank runs on the window's rows only.
        window = (statement.add_columns(Listing.created_at, Listing.search)
                  .order_by(Listing.created_at.desc(), Listing.id.desc())
                  .limit(max(RANK_WINDOW, offset + search.per_page + 1)).subquery("newest_matches"))
        return (select(window.c.id)
                .order_by(rank(window.c.search).desc(), window.c.created_at.desc(), window.c.id.desc())
                .limit(search.per_page + 1).offset(offset))
    return statement.order_by(*_order(search, ratings)).limit(search.per_page + 1).offset(offset)


def _details(session: Session, ids: list[int]) -> list[ListingView]:
    rated = (ReputationRow.business_id == Listing.business_id) & (ReputationRow.review_count > 0)
    rating = select(ReputationRow.score).where(rated).correlate(Listing).scalar_subquery()
    count = select(ReputationRow.review_count).where(rated).correlate(Listing).scalar_subquery()
    rows = session.execute(
        select(Listing, Business, Category, rating, count)
        .join(Business, Business.id == Listing.business_id)
        .join(Category, Category.id == Listing.category_id)
        .where(Listing.id.in_(ids))).all()
    by_id = {row[0].id: _view(*row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _view(listing: Listing, business: Business, category: Category, rating, count) -> ListingView:
    return ListingView(
        listing.id, listing.kind, listing.title, listing.description, listing_prices(listing),
        CategoryView(category.id, category.slug, category.name, category.parent_id),
        business.id, business.name, business.city, listing.active, listing.created_at, listing.open_to_barter,
        listing.delivery_mode, listing.city, listing.lead_time_days,
        round(float(rating), 2) if rating is not None else None, count or 0,
    )


def _ids(session: Session, search: ListingSearch) -> list[int]:
    typed = clean_query(search.q)
    if not typed:
        return list(session.scalars(matching_ids(search)))
    ids = list(session.scalars(matching_ids(search, _exact_match(typed))))
    if ids or search.page > 1:
        return ids
    # Nothing matched as typed: read it as a typo, and search the closest known words instead.
    fixed = corrected(session, typed)
    return list(session.scalars(matching_ids(search, _exact_match(fixed)))) if fixed else []


def find_listings(session: Session, search: ListingSearch) -> Page[ListingView]:
    """One page of listings for `search`; a page past the end is empty, never an error."""
    ids = _ids(session, search)
    items = _details(session, ids[:search.per_page])
    return Page(items, max(search.page, 1), search.per_page, has_next=len(ids) > search.per_page)
