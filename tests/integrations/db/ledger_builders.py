"""Builders for ledger tests: accounts and deals with unique addresses, since the database
is shared by the whole test session, and a ledger inside a committed unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from domain.ledger import Hold, Posting, Transfer, escrow_account, member_account
from domain.money import Money, credits
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work

PRICE = credits(100_00)


@contextmanager
def books(database_url: str) -> Iterator[Ledger]:
    """A ledger in one transaction that commits when the block ends (so deferred checks run)."""
    with unit_of_work(database_url) as session:
        yield Ledger(session)


def a_member_account(ledger: Ledger, limit: int = 500_00, currency: str = "CRD") -> str:
    address = member_account(uuid.uuid4().int >> 80, currency)
    ledger.open_account(address, currency, "member", credit_limit=limit)
    return address


def a_deal_id() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def an_id(step: str) -> str:
    return f"test:{uuid.uuid4().hex[:12]}:{step}"


def a_hold(source: str, deal_id: str, amount: Money = PRICE) -> Hold:
    return Hold(an_id("fund"), source, escrow_account(deal_id, amount.currency), amount,
                memo="Escrow for a logo", deal_id=deal_id)


def a_payment(payer: str, payee: str, amount: Money, deal_id: str | None = None) -> Transfer:
    return Transfer(an_id("pay"), (Posting(payer, -amount), Posting(payee, amount)),
                    memo="Payment", deal_id=deal_id)
