"""The market as matching sees it, and the matches kept in PostgreSQL.

Reads open listings as `MarketListing` (a business's rating: its stored reputation score),
and writes each want's best matches with the parts of their score. Used by the
matching activities; the pages read through `integrations.db.queries.matches`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import psycopg
from psycopg import sql
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from domain.matching import Kind, MarketListing, Match
from integrations.db.app_models import Category, Listing
from integrations.db.matching_models import BarterRingRow, ListingMatch

MATCHES = ListingMatch.__table__
BULK_LOAD = 10_000  # rows written into an empty table from which its indexes are built after
LIVE_RINGS = ("proposed", "funding", "running")


# Plain SQL through the driver: a full recompute reads 20,000 listings and writes 50,000
# matches, and the ORM's per-row work would cost more than matching them (bench/matching_db.py).
MARKET = """
    SELECT l.id, l.business_id, l.kind, l.category_id, c.parent_id, l.price_cash_minor, l.price_credits_minor,
           l.open_to_barter, CASE WHEN l.delivery_mode = 'on_site' THEN l.city ELSE '' END, r.score
    FROM listings l
    JOIN categories c ON c.id = l.category_id
    LEFT JOIN reputations r ON r.business_id = l.business_id
    WHERE l.active"""
KINDS = {kind.value: kind for kind in Kind}  # a dict look-up, not Kind(...)'s, per listing read
POINTS = ("score", "category_points", "price_points", "payment_points", "rating_points", "delivery_points")
COLUMNS = ("want_id", "offer_id", "want_business_id", "offer_business_id", *POINTS)


def _driver(session: Session) -> psycopg.Connection:
    """The psycopg connection of the session's transaction (COPY and plain tuples)."""
    return session.connection().connection.driver_connection


def load_market(session: Session, category_ids: Iterable[int] | None = None) -> list[MarketListing]:
    """Every open listing (or those in `category_ids`), as matching needs it. A business's
    rating is its reputation as last computed (domain/reputation.py: 1-5, recent reviews weigh
    more, few reviews lean on the platform's mean): the score the catalog shows."""
    if category_ids is None:
        rows = _driver(session).execute(MARKET).fetchall()
    else:
        rows = _driver(session).execute(MARKET + " AND l.category_id = ANY(%s)", [list(category_ids)]).fetchall()
    return [MarketListing(id_, business, KINDS[kind], category, parent, cash, credits, barter, city,
                          None if rating is None else float(rating))
            for id_, business, kind, category, parent, cash, credits, barter, city, rating in rows]


def category_family(session: Session, category_id: int) -> list[int]:
    """The category and its siblings: where a listing's matches can be."""
    parent = session.scalar(select(Category.parent_id).where(Category.id == category_id))
    if parent is None:
        return [category_id]
    return list(session.scalars(select(Category.id).where(Category.parent_id == parent)))


def replace_all(session: Session, by_want: dict[int, list[Match]], at: dt.datetime) -> int:
    """A full recompute's result replaces every stored match; how many there are now.

    Only what changed is written: an hourly run mostly finds what the last one found, and a
    match kept keeps its `matched_at`, the time it was first found with that score. The caller
    holds the matching lock, so the rows read here are the rows to change.
    """
    conn = _driver(session)
    # Rows as COPY's text, whole numbers only: compared with the stored rows as text, and
    # written without a call per value.
    rows = [f"{m.want_id}\t{m.offer_id}\t{m.want_business_id}\t{m.offer_business_id}\t{m.score}\t"
            f"{m.parts[0]}\t{m.parts[1]}\t{m.parts[2]}\t{m.parts[3]}\t{m.parts[4]}"
            for matches in by_want.values() for m in matches]
    fresh = set(rows)
    # The stored rows as one text in the same form, compared here: cheaper than comparing in SQL
    # (COPY into a temporary table, ANALYZE, an anti-join, an insert probing each key), and than
    # COPY TO, which hands the client one row at a time.
    stored_text = conn.execute(f"SELECT string_agg(concat_ws(E'\\t', {', '.join(COLUMNS)}), E'\\n') "
                               "FROM listing_matches").fetchone()[0]
    stored = set(stored_text.split("\n")) if stored_text else set()
    gone = [row.split("\t", 2)[:2] for row in stored - fresh]
    if gone:
        conn.execute("DELETE FROM listing_matches m USING unnest(%s::int[], %s::int[]) AS g(want_id, offer_id) "
                     "WHERE m.want_id = g.want_id AND m.offer_id = g.offer_id",
                     [[int(want) for want, _ in gone], [int(offer) for _, offer in gone]])
    new = [row for row in rows if row not in stored]  # by want, as the primary key: cheaper to index
    if new:
        # Into an empty table (a first recompute), the plain indexes are built after the load:
        # one sorted build each instead of an insert per row, about 0.25 s less of PostgreSQL's
        # CPU for 49,000 rows. Dropping them locks the table until commit: readers wait.
        rebuild = _drop_plain_indexes(conn) if not stored and len(new) >= BULK_LOAD else []
        stamp = f"\t{at.isoformat()}\n"
        with conn.cursor().copy(f"COPY listing_matches ({', '.join(COLUMNS)}, matched_at) FROM STDIN") as copy:
            copy.write(stamp.join(new) + stamp)
        for definition in rebuild:
            conn.execute(definition)
    return len(rows)


def _drop_plain_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop listing_matches' indexes that back no key; their definitions, to build them again."""
    indexes = conn.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'listing_matches'::regclass AND NOT x.indisprimary AND NOT x.indisunique").fetchall()
    for name, _ in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return [definition for _, definition in indexes]


def replace_for_wants(session: Session, by_want: dict[int, list[Match]], at: dt.datetime) -> int:
    if by_want:
        session.execute(delete(MATCHES).where(MATCHES.c.want_id.in_(list(by_want))))
    rows = [(*_values(match), at) for matches in by_want.values() for match in matches]
    if rows:
        with _driver(session).cursor().copy(f"COPY listing_matches ({', '.join(COLUMNS)}, matched_at) "
                                            "FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def _values(m: Match) -> tuple:
    """A match as the row's COLUMNS."""
    return (m.want_id, m.offer_id, m.want_business_id, m.offer_business_id, m.score, *m.parts)


def _match(row: tuple) -> Match:
    """A Match from the row's COLUMNS."""
    want_id, offer_id, want_business_id, offer_business_id, score, *parts = row
    return Match(score, want_id, offer_id, want_business_id, offer_business_id, tuple(parts))


def stored_matches(session: Session, want_ids: Iterable[int]) -> dict[int, list[Match]]:
    found: dict[int, list[Match]] = {}
    rows = _driver(session).execute(f"SELECT {', '.join(COLUMNS)} FROM listing_matches WHERE want_id = ANY(%s)",
                                    [list(want_ids)])
    for row in rows:
        found.setdefault(row[0], []).append(_match(row))
    return found


def barter_matches(session: Session) -> tuple[list[Match], dict[int, MarketListing]]:
    """The stored matches where both listings are open to barter, and those listings: what
    ring detection reads (domain.barter_rings.find_rings)."""
    rows = _driver(session).execute(
        f"SELECT {', '.join('m.' + column for column in COLUMNS)} FROM listing_matches m "
        "JOIN listings w ON w.id = m.want_id AND w.active AND w.open_to_barter "
        "JOIN listings o ON o.id = m.offer_id AND o.active AND o.open_to_barter").fetchall()
    matches = [_match(row) for row in rows]
    listings: dict[int, MarketListing] = {}
    for m in matches:
        if m.want_id not in listings:
            listings[m.want_id] = MarketListing(m.want_id, m.want_business_id, Kind.WANT, 0, open_to_barter=True)
        if m.offer_id not in listings:
            listings[m.offer_id] = MarketListing(m.offer_id, m.offer_business_id, Kind.OFFER, 0,
                                                 open_to_barter=True)
    return matches, listings


def open_to_barter(session: Session, listing_ids: Iterable[int]) -> set[int]:
    """Those of the listings still open and open to barter."""
    return {row[0] for row in _driver(session).execute(
        "SELECT id FROM listings WHERE id = ANY(%s) AND active AND open_to_barter", [list(listing_ids)])}


def listings_in_live_rings(session: Session) -> set[int]:
    """A listing promised to a live ring is not put into another one."""
    rows = session.scalars(select(func.unnest(BarterRingRow.listing_ids))
                           .where(BarterRingRow.status.in_(LIVE_RINGS)))
    return set(rows)


def known_rings(session: Session, keys: Iterable[int | str]) -> set[str]:
    """Rings proposed before, whatever became of them: a declined ring is not put again."""
    return set(session.scalars(select(BarterRingRow.ring_key).where(BarterRingRow.ring_key.in_(list(keys)))))


def listing_titles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return dict(session.execute(select(Listing.id, Listing.title).where(Listing.id.in_(list(ids)))).all())


def listing_for_matching(session: Session, listing_id: int) -> tuple[int, bool] | None:
    """(category, active) of one listing, or None."""
    row = session.execute(select(Listing.category_id, Listing.active).where(Listing.id == listing_id)).first()
    return None if row is None else (row.category_id, row.active)
