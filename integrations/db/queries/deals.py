"""Deals for their parties and for staff, with their timelines."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
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


def timeline(session: Session, deal_id: str) -> list[TimelineEntry]:
    rows = session.execute(
        select(DealEvent, Business.name).outerjoin(Business, Business.id == DealEvent.actor_id)
        .where(DealEvent.deal_id == deal_id).order_by(DealEvent.seq)).all()
    return [TimelineEntry(e.seq, e.kind, e.actor_id, name, e.summary, e.at) for e, name in rows]


def _deal_view(session: Session, statement: Select) -> DealView | None:
    row = session.execute(statement).first()
    if row is None:
        return None
    deal_row, buyer_name, seller_name = row
    return DealView(deal_from_json(deal_row.state), buyer_name, seller_name,
                    timeline(session, deal_row.deal_id), deal_row.updated_at)


def deal_for_viewer(session: Session, deal_id: str, business_id: int) -> DealView | None:
    """The deal if `business_id` is one of its parties; None otherwise (the web answers 404)."""
    return _deal_view(session, _deal_rows().where(
        DealRow.deal_id == deal_id, or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id)))


def deal_state_for_party(session: Session, deal_id: str, business_id: int) -> Deal | None:
    """Just the deal's current state, if `business_id` is a party: what an action is checked
    against (one indexed row, no names or timeline)."""
    state = session.scalar(select(DealRow.state).where(
        DealRow.deal_id == deal_id, or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id)))
    return None if state is None else deal_from_json(state)


def deal_for_staff(session: Session, deal_id: str) -> DealView | None:
    return _deal_view(session, _deal_rows().where(DealRow.deal_id == deal_id))
