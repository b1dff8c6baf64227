"""The market as matching sees it, and the matches kept in PostgreSQL.

Reads open listings as `MarketListing` (a business's rating: its stored reputation score),
and writes each want's best matches with the parts of their score. Used by the
matching activities; the pages read through `integrations.db.queries.matches`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session, aliased

from domain.matching import Kind, MarketListing, Match
from integrations.db.app_models import Category, Listing
from integrations.db.matching_models import BarterRingRow, ListingMatch
from integrations.db.reputation_models import ReputationRow

MATCHES = ListingMatch.__table__
LIVE_RINGS = ("proposed", "funding", "running")


def _ratings():
    """The businesses' reputation as last computed (domain/reputation.py: 1-5, recent reviews
    weigh more, few reviews lean on the platform's mean): the score the catalog shows."""
    return select(ReputationRow.business_id, ReputationRow.score.label("rating")).subquery()


def load_market(session: Session, category_ids: Iterable[int] | None = None) -> list[MarketListing]:
    """Every open listing (or those in `category_ids`), as matching needs it."""
    ratings = _ratings()
    query = (select(Listing.id, Listing.business_id, Listing.kind, Listing.category_id, Category.parent_id,
                    Listing.price_cash_minor, Listing.price_credits_minor, Listing.open_to_barter,
                    Listing.delivery_mode, Listing.city, ratings.c.rating)
             .join(Category, Category.id == Listing.category_id)
             .outerjoin(ratings, ratings.c.business_id == Listing.business_id)
             .where(Listing.active))
    if category_ids is not None:
        query = query.where(Listing.category_id.in_(list(category_ids)))
    return [MarketListing(row.id, row.business_id, Kind(row.kind), row.category_id, row.parent_id,
                          row.price_cash_minor, row.price_credits_minor, row.open_to_barter,
                          row.city if row.delivery_mode == "on_site" else "",
                          float(row.rating) if row.rating is not None else None)
            for row in session.execute(query)]


def category_family(session: Session, category_id: int) -> list[int]:
    """The category and its siblings: where a listing's matches can be."""
    parent = session.scalar(select(Category.parent_id).where(Category.id == category_id))
    if parent is None:
        return [category_id]
    return list(session.scalars(select(Category.id).where(Category.parent_id == parent)))


def _row(match: Match, at: dt.datetime) -> dict:
    category, price, payment, rating, delivery = match.parts
    return dict(want_id=match.want_id, offer_id=match.offer_id, want_business_id=match.want_business_id,
                offer_business_id=match.offer_business_id, score=match.score, category_points=category,
                price_points=price, payment_points=payment, rating_points=rating, delivery_points=delivery,
                matched_at=at)


def replace_all(session: Session, by_want: dict[int, list[Match]], at: dt.datetime) -> int:
    """A full recompute's result replaces every stored match; how many there are now."""
    session.execute(delete(MATCHES))
    return _insert(session, by_want, at)


def replace_for_wants(session: Session, by_want: dict[int, list[Match]], at: dt.datetime) -> int:
    if by_want:
        session.execute(delete(MATCHES).where(MATCHES.c.want_id.in_(list(by_want))))
    return _insert(session, by_want, at)


def _insert(session: Session, by_want: dict[int, list[Match]], at: dt.datetime) -> int:
    rows = [_row(match, at) for matches in by_want.values() for match in matches]
    if rows:
        session.execute(insert(MATCHES), rows)
    return len(rows)


def _match(row) -> Match:
    return Match(row.score, row.want_id, row.offer_id, row.want_business_id, row.offer_business_id,
                 (row.category_points, row.price_points, row.payment_points, row.rating_points,
                  row.delivery_points))


def stored_matches(session: Session, want_ids: Iterable[int]) -> dict[int, list[Match]]:
    found: dict[int, list[Match]] = {}
    for row in session.execute(select(MATCHES).where(MATCHES.c.want_id.in_(list(want_ids)))):
        found.setdefault(row.want_id, []).append(_match(row))
    return found


def barter_matches(session: Session) -> tuple[list[Match], dict[int, MarketListing]]:
    """The stored matches where both listings are open to barter, and those listings: what
    ring detection reads (domain.barter_rings.find_rings)."""
    want, offer = aliased(Listing), aliased(Listing)
    rows = session.execute(
        select(MATCHES).join(want, and_(want.id == MATCHES.c.want_id, want.active, want.open_to_barter))
        .join(offer, and_(offer.id == MATCHES.c.offer_id, offer.active, offer.open_to_barter))).all()
    matches = [_match(row) for row in rows]
    listings: dict[int, MarketListing] = {}
    for m in matches:
        listings[m.want_id] = MarketListing(m.want_id, m.want_business_id, Kind.WANT, 0, open_to_barter=True)
        listings[m.offer_id] = MarketListing(m.offer_id, m.offer_business_id, Kind.OFFER, 0, open_to_barter=True)
    return matches, listings


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
