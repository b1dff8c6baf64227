"""What the tests read back after a deal action: the read model and the ledger, as stored."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.ledger import member_account
from integrations.db.app_models import DealEvent, DealRow
from integrations.db.ledger import AccountBalance, Ledger
from integrations.db.session import unit_of_work


def balance(database_url: str, business_id: int) -> AccountBalance:
    with unit_of_work(database_url) as session:
        return Ledger(session).balance(member_account(business_id, "CRD"))


def transfers(database_url: str, deal_id: str) -> list[tuple[str, str, str]]:
    """(transfer id, kind, status) of each of the deal's ledger transfers, in order."""
    with unit_of_work(database_url) as session:
        return [(t.transfer_id, t.kind, t.status) for t in Ledger(session).transfers_for_deal(deal_id)]


def timeline_kinds(database_url: str, deal_id: str) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(DealEvent.kind).where(DealEvent.deal_id == deal_id)
                                    .order_by(DealEvent.seq)))


def deals_on_listing(database_url: str, listing_id: int) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(select(func.count()).where(DealRow.listing_id == listing_id))


def stage_and_version(database_url: str, deal_id: str) -> tuple[str, int]:
    with unit_of_work(database_url) as session:
        row = session.get(DealRow, deal_id)
        return row.stage, row.version
