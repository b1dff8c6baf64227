"""Deals for their parties and for staff, with their timelines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from domain.deal import Deal
from integrations.db.app_models import (
    Business,
    DealEvent,
    DealRow,
)
from integrations.db.deal_json import deal_from_json
from integrations.db.queries.views import DealSummary, DealView, TimelineEntry


# ---- deals ------------------------------------------------------------------------------
def _deal_rows() -> Select:
    buyer, seller = aliased(Business), aliased(Business)
    return (select(DealRow, buyer.name, seller.name)
            .join(buyer, buyer.id == DealRow.buyer_id)
            .join(seller, seller.id == DealRow.seller_id))


def _summary(row: DealRow, buyer_name: str, seller_name: str) -> DealSummary:
    deal = deal_from_json(row.state)
    return DealSummary(row.deal_id, row.title, row.stage, row.buyer_id, row.seller_id, buyer_name,
                       seller_name, deal.terms.price, row.next_deadline_at, row.updated_at)


def deals_for_business(session: Session, business_id: int, stage: str | None = None,
                       limit: int = 100) -> list[DealSummary]:
    statement = _deal_rows().where(or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id))
    if stage:
        statement = statement.where(DealRow.stage == stage)
    rows = session.execute(statement.order_by(DealRow.updated_at.desc()).limit(limit)).all()
    return [_summary(*row) for row in rows]


# The deal page and every action's answer read these: Core statements on the tables (rows as
# tuples), since loading ORM objects only to throw them away costs more than the query.
_DEALS, _EVENTS, _BUSINESSES = DealRow.__table__, DealEvent.__table__, Business.__table__
_BUYERS, _SELLERS, _ACTORS = _BUSINESSES.alias("buyer"), _BUSINESSES.alias("seller"), _BUSINESSES.alias("actor")


def timeline(session: Session, deal_id: str) -> list[TimelineEntry]:
    rows = session.execute(
        select(_EVENTS.c.seq, _EVENTS.c.kind, _EVENTS.c.actor_id, _ACTORS.c.name, _EVENTS.c.summary, _EVENTS.c.at)
        .select_from(_EVENTS.outerjoin(_ACTORS, _ACTORS.c.id == _EVENTS.c.actor_id))
        .where(_EVENTS.c.deal_id == deal_id).order_by(_EVENTS.c.seq)).all()
    return [TimelineEntry(*row) for row in rows]


def _timeline_json() -> ColumnElement[Any]:
    """The deal's timeline as one JSON array, so the deal and its timeline come in one round trip."""
    entry = func.json_build_array(_EVENTS.c.seq, _EVENTS.c.kind, _EVENTS.c.actor_id, _ACTORS.c.name,
                                  _EVENTS.c.summary, _EVENTS.c.at)
    return (select(func.coalesce(func.json_agg(aggregate_order_by(entry, _EVENTS.c.seq)), text("'[]'::json")))
            .select_from(_EVENTS.outerjoin(_ACTORS, _ACTORS.c.id == _EVENTS.c.actor_id))
            .where(_EVENTS.c.deal_id == _DEALS.c.deal_id).scalar_subquery())


def _deal_view(session: Session, *where: ColumnElement[bool]) -> DealView | None:
    row = session.execute(
        select(_DEALS.c.state, _DEALS.c.updated_at, _BUYERS.c.name, _SELLERS.c.name, _timeline_json())
        .select_from(_DEALS.join(_BUYERS, _BUYERS.c.id == _DEALS.c.buyer_id)
                     .join(_SELLERS, _SELLERS.c.id == _DEALS.c.seller_id))
        .where(*where)).first()
    if row is None:
        return None
    state, updated_at, buyer_name, seller_name, entries = row
    # JSON renders timestamptz in ISO 8601 with the session's offset, as psycopg would load it.
    timeline = [TimelineEntry(seq, kind, actor_id, actor_name, summary, dt.datetime.fromisoformat(at))
                for seq, kind, actor_id, actor_name, summary, at in entries]
    return DealView(deal_from_json(state), buyer_name, seller_name, timeline, updated_at)


def _party_of(business_id: int) -> ColumnElement[bool]:
    return or_(_DEALS.c.buyer_id == business_id, _DEALS.c.seller_id == business_id)


def deal_for_viewer(session: Session, deal_id: str, business_id: int) -> DealView | None:
    """The deal if `business_id` is one of its parties; None otherwise (the web answers 404)."""
    return _deal_view(session, _DEALS.c.deal_id == deal_id, _party_of(business_id))


def deal_state_for_party(session: Session, deal_id: str, business_id: int) -> Deal | None:
    """Just the deal's current state, if `business_id` is a party: what an action is checked
    against (one indexed row, no names or timeline)."""
    state = session.execute(select(_DEALS.c.state).where(_DEALS.c.deal_id == deal_id, _party_of(business_id))).scalar()
    return None if state is None else deal_from_json(state)


def deal_for_staff(session: Session, deal_id: str) -> DealView | None:
    return _deal_view(session, _DEALS.c.deal_id == deal_id)
