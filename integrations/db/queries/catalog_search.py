"""Catalog search: ranked full-text with typo tolerance, filters, sorting and pages.

A listing matches the typed text when its text-search vector matches `websearch_to_tsquery` or
when, for every typed word of three letters or more, it holds a title word containing it (so
"acc" finds "Accounting"); these rank by `ts_rank`. Those title words come from the
`catalog_words` lexicon a trigger keeps (every word of any title), so the partial match is one
more tsquery term the GIN index serves, not an ILIKE run on each row walked (which cost ~0.7 us a
row, 7 ms for a common word at 100,000 listings). When nothing matches, the text is read as a
typo: each word is replaced by the most similar lexicon word (pg_trgm, so "bokkeeping" finds
"Bookkeeping") and searched again. Ranking similarity over every title instead costs ~40 ms at
100,000 listings; the lexicon lookup costs about one.

"Verified only" is a semi-join on the approved rows of `verifications` (indexed by status). Every
other filter maps to a column an index of migration 0010 serves; the caller's text never reaches
SQL except as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select
from sqlalchemy import text as text_clause
from sqlalchemy.orm import Session

from domain.money import CASH_CURRENCY, CREDITS
from integrations.db.app_models import Business, Category, Listing
from integrations.db.listing_attachments import attachment_of
from integrations.db.queries.catalog import clean_query, listing_prices
from integrations.db.queries.views import CategoryView, ListingView, Page
from integrations.db.reputation_models import ReputationRow
from integrations.db.verification_models import VerificationRow

__all__ = ["ListingSearch", "PAYMENT_MODELS", "SORTS", "contradictory", "find_listings", "known_words",
           "listing_with_standing", "search_filters", "text_match"]

PAYMENT_MODELS = ("cash", "credits", "hybrid", "barter")
SORTS = ("relevance", "newest", "price_asc", "price_desc", "rating")
MIN_PARTIAL_WORD = 3  # shorter words would match nearly every title, and no trigram index helps them
MAX_PARTIAL_WORDS = 8
MAX_EXPANSIONS = 20  # title words standing for one typed word ("acc": accounting, accounts, ...)
RANK_WINDOW = 200
APPROVED = "approved"  # the verification status that earns the badge


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
    verified_only: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


# The catalog's rating is the stored reputation score (integrations/db/reputation_read_model.py)
# of a business with at least one revealed review; the others are unrated.
RATED = ReputationRow.review_count > 0


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


# The payment models whose listings may carry a price in each currency.
PRICED_IN = {CASH_CURRENCY: {"cash", "hybrid", "barter"}, CREDITS: {"credits", "hybrid", "barter"}}


def contradictory(search: ListingSearch) -> bool:
    """A price range in a currency none of the chosen payment models is priced in (credits from
    cash-only listings): nothing can match. Answered without asking PostgreSQL, whose estimates
    take the columns as independent and would walk the whole catalog looking for a match."""
    priced = search.price_min is not None or search.price_max is not None
    return priced and bool(search.payment) and not PRICED_IN[search.currency] & set(search.payment)


def search_filters(search: ListingSearch) -> list[ColumnElement[bool]]:
    """Every filter of `search` as conditions on `listings` (its text aside)."""
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
        found.append(Listing.business_id.in_(
            select(ReputationRow.business_id).where(RATED, ReputationRow.score >= search.min_rating)))
    if search.verified_only:
        found.append(Listing.business_id.in_(
            select(VerificationRow.business_id).where(VerificationRow.status == APPROVED)))
    return found


# For each typed word: the title words containing it, best first, and the closest title word.
# Both use catalog_words' trigram index; one round trip for the whole text.
LEXICON_LOOKUP = text_clause("""
SELECT typed.word,
       ARRAY(SELECT w.word FROM catalog_words w WHERE w.word ILIKE typed.pattern ESCAPE '\\'
             ORDER BY similarity(w.word, typed.word) DESC, w.word LIMIT :expansions) AS containing,
       (SELECT w.word FROM catalog_words w WHERE w.word % typed.word
         ORDER BY similarity(w.word, typed.word) DESC, w.word LIMIT 1) AS closest
FROM unnest(CAST(:words AS text[]), CAST(:patterns AS text[])) WITH ORDINALITY AS typed(word, pattern, n)
ORDER BY typed.n
""")


@dataclass(frozen=True)
class KnownWords:
    """What the title lexicon says of a typed text. `partial`: a to_tsquery text matching a
    title word that contains each typed word (None when it would add nothing to the full-text
    query, or cannot match). `corrected`: the text with each word replaced by the closest title
    word (None when no word changes), and `corrected_partial` the same for it. Lexicon words are
    letters and digits only: valid tsquery text as they are."""

    partial: str | None = None
    corrected: str | None = None
    corrected_partial: str | None = None


def known_words(session: Session, text: str) -> KnownWords:
    typed = text.lower().split()[:MAX_PARTIAL_WORDS]
    words = [w for w in typed if len(w) >= MIN_PARTIAL_WORD]
    if not words:
        return KnownWords()
    rows = session.execute(LEXICON_LOOKUP, {"words": words, "patterns": [_like(w) for w in words],
                                            "expansions": MAX_EXPANSIONS}).all()
    containing = {row.word: row.containing for row in rows}
    closest = {row.word: row.closest for row in rows if row.closest}
    fixed = [closest.get(w, w) for w in typed]
    if fixed == typed:
        return KnownWords(_partial(words, containing))
    # A corrected word is a title word already; a word left as typed keeps its expansions.
    fixed_choices = {**containing, **{closest[w]: [closest[w]] for w in closest}}
    return KnownWords(_partial(words, containing), " ".join(fixed),
                      _partial([closest.get(w, w) for w in words], fixed_choices))


def _partial(words: list[str], choices: dict[str, list[str]]) -> str | None:
    if not all(choices.get(w) for w in words) or all(choices[w] == [w] for w in words):
        return None
    return " & ".join("(" + " | ".join(choices[w]) + ")" for w in words)


def text_match(text: str, partial: str | None = None) -> tuple[ColumnElement[bool], Callable[[Any], ColumnElement[float]]]:
    """Full-text match, or (with `partial`) a title word containing each typed word; and its
    rank given a tsvector."""
    query = func.websearch_to_tsquery("english", text)
    if partial:
        query = query.op("||")(func.to_tsquery("english", partial))
    return Listing.search.op("@@")(query), lambda vector: func.ts_rank(vector, query)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


NEWEST = (Listing.created_at.desc(), Listing.id.desc())


def matching(session: Session, search: ListingSearch, match=None) -> list[ListingView]:
    """The listings of one page (plus one, to tell whether another follows), in the asked order.

    The ids are found on sort keys alone, then joined to the page's details in the same statement.
    Relevance ranks the RANK_WINDOW newest matches (ten pages, or as many as the page reaches):
    finding them walks the newest-first index at ~1 us a row (~2,000 rows for a word in one
    listing of ten), where ranking every match of a common word grows with the catalog (10,000
    matches, ~15 ms, at 100,000 listings)."""
    conditions = search_filters(search)
    rank = None
    if match is not None:
        condition, rank = match
        conditions.append(condition)
    offset = (max(search.page, 1) - 1) * search.per_page
    depth = offset + search.per_page + 1
    if search.sort in ("price_asc", "price_desc", "rating"):
        found: list[int] = []
        for part in _keyed(search, conditions):
            found += session.scalars(part.limit(depth - len(found)))
            if len(found) >= depth:
                break
        return _details(session, found[offset:])
    statement = select(Listing.id, Listing.created_at).where(*conditions)
    if search.sort == "relevance" and rank is not None:
        # Ranked outside the window, so ts_rank runs on the window's rows only.
        window = (statement.add_columns(Listing.search).order_by(*NEWEST)
                  .limit(max(RANK_WINDOW, depth)).subquery("newest_matches"))
        score = rank(window.c.search)
        statement = (select(window.c.id, window.c.created_at, score.label("score"))
                     .order_by(score.desc(), window.c.created_at.desc(), window.c.id.desc()))
    else:
        statement = statement.add_columns(literal(0.0).label("score")).order_by(*NEWEST)
    page = statement.limit(search.per_page + 1).offset(offset).subquery("page")
    rows = session.execute(_with_details(select()).join(page, page.c.id == Listing.id)
                           .order_by(page.c.score.desc(), page.c.created_at.desc(), page.c.id.desc())).all()
    return [_view(*row) for row in rows]


def _keyed(search: ListingSearch, conditions: list) -> list[Select]:
    """A price or rating order, as the queries to read one after the other: the listings that
    have the key, in its order (walking the key's index, so stopping at the page), then, only
    when those run out before the page ends, the ones without it (barter only, not priced in
    this currency, or not yet rated), newest first. One ORDER BY with NULLS LAST would have to sort
    every match, since no index holds both; and the second query, with selective filters, may
    walk far for its few rows, so it runs only when the page needs them."""
    if search.sort == "rating":
        key = ReputationRow.score
        keyed = select(Listing.id).join(ReputationRow, (ReputationRow.business_id == Listing.business_id) & RATED)
        missing = ~exists().where(ReputationRow.business_id == Listing.business_id, RATED)
        key_filtered = search.min_rating is not None
    else:
        key = _price_column(search.currency)
        keyed = select(Listing.id).where(key.is_not(None))
        missing = key.is_(None)
        key_filtered = search.price_min is not None or search.price_max is not None
    parts = [keyed.where(*conditions).order_by(key.asc() if search.sort == "price_asc" else key.desc(), *NEWEST)]
    if not key_filtered:  # a filter on the key leaves none without it
        parts.append(select(Listing.id).where(*conditions, missing).order_by(*NEWEST))
    return parts


def _with_details(statement: Select) -> Select:
    """What a page shows of each listing: its business, category, rating and verification."""
    verified = exists().where(VerificationRow.business_id == Listing.business_id, VerificationRow.status == APPROVED)
    return (statement.add_columns(Listing, Business, Category, ReputationRow.score, ReputationRow.review_count,
                                  verified)
            .select_from(Listing)
            .join(Business, Business.id == Listing.business_id)
            .join(Category, Category.id == Listing.category_id)
            .outerjoin(ReputationRow, (ReputationRow.business_id == Listing.business_id) & RATED))


def _details(session: Session, ids: list[int]) -> list[ListingView]:
    if not ids:
        return []
    by_id = {row[0].id: _view(*row) for row in session.execute(_with_details(select()).where(Listing.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def _view(listing: Listing, business: Business, category: Category, rating, count, verified) -> ListingView:
    return ListingView(
        listing.id, listing.kind, listing.title, listing.description, listing_prices(listing),
        CategoryView(category.id, category.slug, category.name, category.parent_id),
        business.id, business.name, business.city, listing.active, listing.created_at, listing.open_to_barter,
        listing.delivery_mode, listing.city, listing.lead_time_days,
        round(float(rating), 2) if rating is not None else None, count or 0, verified,
    )


def _found(session: Session, search: ListingSearch) -> list[ListingView]:
    if contradictory(search):
        return []
    typed = clean_query(search.q)
    if not typed:
        return matching(session, search)
    known = known_words(session, typed)
    found = matching(session, search, text_match(typed, known.partial))
    if found or search.page > 1 or not known.corrected:
        return found
    # Nothing matched as typed: read it as a typo, and search the closest title words instead.
    return matching(session, search, text_match(known.corrected, known.corrected_partial))


def listing_with_standing(session: Session, listing_id: int) -> ListingView | None:
    """One listing as the search shows it (with its business's rating and verification), and its
    attachment."""
    found = _details(session, [listing_id])
    return replace(found[0], attachment=attachment_of(session, listing_id)) if found else None


def find_listings(session: Session, search: ListingSearch) -> Page[ListingView]:
    """One page of listings for `search`; a page past the end is empty, never an error."""
    found = _found(session, search)
    return Page(found[:search.per_page], max(search.page, 1), search.per_page, has_next=len(found) > search.per_page)
