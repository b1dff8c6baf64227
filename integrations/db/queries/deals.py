"""Deals for their parties and for staff, with their timelines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, TextClause, or_, select, text
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


# Core statements on the tables (rows as tuples): loading ORM objects only to throw them away
# costs more than the query.
_EVENTS, _ACTORS = DealEvent.__table__, Business.__table__.alias("actor")


def timeline(session: Session, deal_id: str) -> list[TimelineEntry]:
    rows = session.execute(
        select(_EVENTS.c.seq, _EVENTS.c.kind, _EVENTS.c.actor_id, _ACTORS.c.name, _EVENTS.c.summary, _EVENTS.c.at)
        .select_from(_EVENTS.outerjoin(_ACTORS, _ACTORS.c.id == _EVENTS.c.actor_id))
        .where(_EVENTS.c.deal_id == deal_id).order_by(_EVENTS.c.seq)).all()
    return [TimelineEntry(*row) for row in rows]


# The deal and its timeline (one JSON array) in one round trip. Every action's answer and every
# deal page reads it, so it is a plain statement built once: building and compiling the select
# per request cost the web more CPU than PostgreSQL spends answering it.
_DEAL_VIEW = """
    SELECT d.state, d.updated_at, buyer.name, seller.name,
           (SELECT coalesce(json_agg(json_build_array(e.seq, e.kind, e.actor_id, actor.name, e.summary, e.at)
                                     ORDER BY e.seq), '[]'::json)
              FROM deal_events e LEFT OUTER JOIN businesses actor ON actor.id = e.actor_id
             WHERE e.deal_id = d.deal_id)
      FROM deals d JOIN businesses buyer ON buyer.id = d.buyer_id JOIN businesses seller ON seller.id = d.seller_id
     WHERE d.deal_id = :deal_id"""
DEAL_FOR_STAFF = text(_DEAL_VIEW)
DEAL_FOR_PARTY = text(_DEAL_VIEW + " AND (d.buyer_id = :business_id OR d.seller_id = :business_id)")
# What an action is checked against: one indexed row, no names or timeline.
DEAL_STATE_FOR_PARTY = text("SELECT state FROM deals WHERE deal_id = :deal_id "
                            "AND (buyer_id = :business_id OR seller_id = :business_id)")


def _deal_view(session: Session, statement: TextClause, parameters: dict[str, Any]) -> DealView | None:
    row = session.execute(statement, parameters).first()
    if row is None:
        return None
    state, updated_at, buyer_name, seller_name, entries = row
    # JSON renders timestamptz in ISO 8601 with the session's offset, as psycopg would load it.
    timeline = [TimelineEntry(seq, kind, actor_id, actor_name, summary, dt.datetime.fromisoformat(at))
                for seq, kind, actor_id, actor_name, summary, at in entries]
    return DealView(deal_from_json(state), buyer_name, seller_name, timeline, updated_at)


def deal_for_viewer(session: Session, deal_id: str, business_id: int) -> DealView | None:
    """The deal if `business_id` is one of its parties; None otherwise (the web answers 404)."""
    return _deal_view(session, DEAL_FOR_PARTY, {"deal_id": deal_id, "business_id": business_id})


def deal_state_for_party(session: Session, deal_id: str, business_id: int) -> Deal | None:
    """Just the deal's current state, if `business_id` is a party: what an action is checked against."""
    state = session.execute(DEAL_STATE_FOR_PARTY, {"deal_id": deal_id, "business_id": business_id}).scalar()
    return None if state is None else deal_from_json(state)


def deal_for_staff(session: Session, deal_id: str) -> DealView | None:
    return _deal_view(session, DEAL_FOR_STAFF, {"deal_id": deal_id})
