"""What "matches for you" shows: each of a business's wants with the offers that fit it, and
each of its offers with the wants it fits, best first, with the score's parts in words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from domain.matching import Match
from integrations.db.app_models import Business, Listing
from integrations.db.matching_models import ListingMatch


@dataclass(frozen=True)
class MatchLine:
    mine_id: int
    mine_title: str
    mine_kind: str
    other_id: int
    other_title: str
    other_business_id: int
    other_business_name: str
    match: Match

    @property
    def score(self) -> int:
        return self.match.score

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.match.reasons

    @property
    def parts(self) -> dict[str, int]:
        return dict(zip(("category", "price", "payment", "rating", "delivery"), self.match.parts, strict=True))


def matches_for_business(session: Session, business_id: int, limit: int = 200) -> list[MatchLine]:
    """My wants' offers, then my offers' wants; each group by listing, best score first."""
    return _lines(session, business_id, mine_is_want=True, limit=limit) + \
        _lines(session, business_id, mine_is_want=False, limit=limit)


def _lines(session: Session, business_id: int, mine_is_want: bool, limit: int) -> list[MatchLine]:
    mine, other, business = aliased(Listing), aliased(Listing), aliased(Business)
    m = ListingMatch
    mine_key, other_key = (m.want_id, m.offer_id) if mine_is_want else (m.offer_id, m.want_id)
    owner = m.want_business_id if mine_is_want else m.offer_business_id
    rows = session.execute(
        select(m, mine.title, mine.kind, other.title, other.business_id, business.name)
        .join(mine, and_(mine.id == mine_key, mine.active))
        .join(other, and_(other.id == other_key, other.active))
        .join(business, business.id == other.business_id)
        .where(owner == business_id)
        .order_by(mine_key, m.score.desc(), other_key).limit(limit)).all()
    return [MatchLine(mine_key_of(row[0], mine_is_want), row[1], row[2], mine_key_of(row[0], not mine_is_want),
                      row[3], row[4], row[5], _match(row[0])) for row in rows]


def mine_key_of(row: ListingMatch, want: bool) -> int:
    return row.want_id if want else row.offer_id


def _match(row: ListingMatch) -> Match:
    return Match(row.score, row.want_id, row.offer_id, row.want_business_id, row.offer_business_id,
                 (row.category_points, row.price_points, row.payment_points, row.rating_points, row.delivery_points))
