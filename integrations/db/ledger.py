"""The ledger over PostgreSQL: open accounts, execute transfers, holds, posts and voids; read balances.

The caller owns the transaction: an ORM `Session` (a deal step posts its ledger changes
together with the read model) or a Core `Connection` (a unit of work that touches only the
ledger; in autocommit each command is one statement and so its own transaction, one round
trip instead of three). Each command is one call to `ledger_move` / `ledger_settle` (migrations 0001_ledger,
0008_ledger_speed and 0020_ledger_two_accounts), sent as a prepared statement on the caller's psycopg connection, which
runs it inside a server-side savepoint: a refused command writes nothing, leaves the
caller's transaction usable, and comes back as a constraint name that is mapped here to the
domain's errors. A command's transfer id is its idempotency key: executing it again returns
the first result and writes nothing. This module speaks the domain's language; the rules that
keep the books balanced live in the database, not here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from domain.errors import (
    CreditLimitExceeded,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidInput,
    InvalidTransition,
    TradepactError,
)
from domain.ledger import Hold, LedgerCommand, PostHold, Posting, Transfer, VoidHold, escrow_account
from domain.money import EXPONENTS, Money

CREDIT_LINE_CHECK = "ck_ledger_accounts_within_credit_line"
# Kind and status a command's transfer is born with.
BORN_AS = {Transfer: ("posted", "posted"), Hold: ("pending", "pending"),
           PostHold: ("post_pending", "posted"), VoidHold: ("void_pending", "voided")}

# Commands go to psycopg directly (see `_command`), so these use its placeholders.
MOVE = """SELECT o_outcome, o_detail FROM ledger_move(%s, %s, %s, %s,
    %s::text[], %s::bigint[], %s::text[], %s::text[], %s::bigint[])"""
SETTLE = """SELECT o_outcome, o_detail FROM ledger_settle(%s, %s, %s, %s, %s::bigint, %s::text)"""
BALANCE = text("""SELECT address, currency, posted, pending_out, pending_in, credit_limit
    FROM ledger_accounts WHERE address = :address""")
# Newest first; the running balance is walked back from the account's posted balance, so a
# statement costs its `limit` rows however long the account's history.
STATEMENT = text("""
    SELECT t.id, t.memo, t.deal_id, t.status, e.amount, e.pending, t.created_at,
           (a.posted - coalesce(sum(CASE WHEN e.pending THEN 0 ELSE e.amount END) OVER (
               ORDER BY e.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::bigint
      FROM ledger_accounts a
      CROSS JOIN LATERAL (SELECT * FROM ledger_entries x WHERE x.account_id = a.id
                           ORDER BY x.id DESC LIMIT :limit) e
      JOIN ledger_transfers t ON t.id = e.transfer_id
     WHERE a.address = :address
     ORDER BY e.id DESC""")
DEAL_TRANSFERS = text("""
    SELECT t.id, t.kind, t.status, t.pending_id, t.memo, t.created_at, a.address, e.amount, e.currency
      FROM ledger_transfers t
      LEFT JOIN ledger_entries e ON e.transfer_id = t.id
      LEFT JOIN ledger_accounts a ON a.id = e.account_id
     WHERE t.deal_id = :deal_id
     ORDER BY t.created_at, t.id, e.id""")


@dataclass(frozen=True)
class TransferRecord:
    """What `execute` did: `replayed` when the transfer id had already been executed."""

    transfer_id: str
    kind: str  # posted | pending | post_pending | void_pending
    status: str  # posted | pending | voided (a replayed hold reports where it is now)
    replayed: bool = False


@dataclass(frozen=True)
class AccountBalance:
    address: str
    currency: str
    posted: int
    pending_out: int
    pending_in: int
    available: int  # what may still be spent: posted, less what is held, plus the credit line
    credit_limit: int | None  # None: no lower bound (clearing accounts)


@dataclass(frozen=True)
class StatementLine:
    transfer_id: str
    memo: str
    deal_id: str | None
    status: str
    amount: int  # signed: positive increased the account
    pending: bool  # a hold's reservation; it never moved the posted balance
    created_at: dt.datetime
    running_balance: int  # posted balance after this line


@dataclass(frozen=True)
class DealTransfer:
    transfer_id: str
    kind: str
    status: str
    pending_id: str | None
    memo: str
    created_at: dt.datetime
    postings: tuple[Posting, ...]  # empty for a void; a hold's postings are its reservations


def array_literal(values: list[str | int | None]) -> str:
    """PostgreSQL's text form of an array, every element quoted (NULL for None).

    psycopg works out a Python list's element type on every call, which cost more client CPU
    than the rest of a posting's parameters together (about 60 µs against 6 µs); a text
    literal cast by the statement (`%s::text[]`) costs a string join. Inside double quotes
    only `"` and `\\` need escaping, so any address, currency or number survives as it is.
    """
    elements = []
    for value in values:
        if value is None:
            elements.append("NULL")
            continue
        element = str(value)
        if '"' in element or "\\" in element:
            element = element.replace("\\", "\\\\").replace('"', '\\"')
        elements.append('"' + element + '"')
    return "{" + ",".join(elements) + "}"


def opened_on_demand(address: str) -> tuple[str, int | None] | None:
    """Kind and credit limit of accounts the ledger opens itself; None: must already exist."""
    if address.startswith("deal:"):
        return "escrow", 0
    if address.startswith("platform:stripe_clearing:"):
        return "clearing", None  # mirrors money held at Stripe, so it runs negative
    if address.startswith("platform:"):
        return "platform", 0
    return None  # members' accounts open when the business registers, with its credit line


def unopened(address: str, currency: str) -> AccountBalance:
    """The balance of an account the ledger would open on demand, before it exists."""
    limit = (opened_on_demand(address) or ("", 0))[1]
    return AccountBalance(address, currency, 0, 0, 0, limit or 0, limit)


class Ledger:
    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        self._cursor: psycopg.Cursor | None = None  # see `_command`

    # ---- accounts -----------------------------------------------------------------------
    def open_account(self, address: str, currency: str, kind: str, credit_limit: int | None = 0) -> None:
        """Open `address` unless it exists (an existing account keeps its currency and line)."""
        if currency not in EXPONENTS:
            raise InvalidInput(f"unknown currency {currency!r}", field="currency")
        if credit_limit is not None and credit_limit < 0:
            raise InvalidInput("a credit limit cannot be negative", field="credit_limit")
        self.session.execute(text(
            "INSERT INTO ledger_accounts (address, currency, kind, credit_limit) "
            "VALUES (:address, :currency, :kind, :limit) ON CONFLICT (address) DO NOTHING"
        ), {"address": address, "currency": currency, "kind": kind, "limit": credit_limit})

    def set_credit_limit(self, address: str, limit: int | None) -> int | None:
        """Set the credit line; returns the line in force.

        A line never drops below what the account already uses: credit spent or held stays
        valid, and the lower line applies as the balance recovers (the caller may set it again).
        """
        if limit is not None and limit < 0:
            raise InvalidInput("a credit limit cannot be negative", field="credit_limit")
        row = self.session.execute(text(
            "UPDATE ledger_accounts SET credit_limit = "
            "CASE WHEN CAST(:limit AS bigint) IS NULL THEN NULL ELSE greatest(:limit, pending_out - posted) END "
            "WHERE address = :address RETURNING credit_limit"), {"limit": limit, "address": address}).first()
        if row is None:
            raise InvalidInput(f"no ledger account {address}", field="account")
        return row.credit_limit

    # ---- commands -----------------------------------------------------------------------
    def execute(self, command: LedgerCommand) -> TransferRecord:
        match command:
            case Transfer():
                outcome, detail = self._move(command.transfer_id, False, command.deal_id, command.memo,
                                             [(p.account, p.amount) for p in command.postings])
            case Hold():
                if command.source == command.destination:
                    raise InvalidInput(f"hold {command.transfer_id} pays {command.source} to itself")
                outcome, detail = self._move(command.transfer_id, True, command.deal_id, command.memo,
                                             [(command.source, -command.amount),
                                              (command.destination, command.amount)])
            case PostHold() | VoidHold():
                amount = command.amount if isinstance(command, PostHold) else None
                outcome, detail = self._command(SETTLE, (
                    command.transfer_id, command.hold_id, command.memo, isinstance(command, VoidHold),
                    amount.amount_minor if amount else None, amount.currency if amount else None))
            case _:
                raise InvalidInput(f"unknown ledger command {command!r}")
        kind, status = BORN_AS[type(command)]
        if outcome == "done":
            return TransferRecord(command.transfer_id, kind, status)
        if outcome == "replayed":
            return TransferRecord(command.transfer_id, kind, detail, replayed=True)
        raise self._refusal(command, outcome, detail)

    def _move(self, transfer_id: str, pending: bool, deal_id: str | None, memo: str,
              postings: list[tuple[str, Money]]) -> tuple[str, str | None]:
        opening = [opened_on_demand(address) for address, _ in postings]
        return self._command(MOVE, (
            transfer_id, pending, deal_id, memo,
            array_literal([address for address, _ in postings]),
            array_literal([amount.amount_minor for _, amount in postings]),
            array_literal([amount.currency for _, amount in postings]),
            array_literal([how[0] if how else None for how in opening]),
            array_literal([how[1] if how else None for how in opening])))

    def _command(self, statement: str, params: tuple) -> tuple[str, str | None]:
        """One command in the caller's transaction, on the caller's own psycopg connection.

        SQLAlchemy's statement and result machinery cost more CPU than the command itself
        (BENCHMARKS.md, ledger throughput); the caller still owns the transaction, so the
        command commits or rolls back with its other writes. Prepared at once: every posting
        runs one of two statements. Errors come out as SQLAlchemy's, as before.
        """
        connection = self.session.connection() if isinstance(self.session, Session) else self.session
        if not connection.in_transaction():
            connection.begin()  # SQLAlchemy cannot see the driver's implicit BEGIN, nor commit it
        driver = connection.connection.driver_connection
        cursor = self._cursor
        if cursor is None or cursor.connection is not driver or cursor.closed:
            # A new cursor copies the connection's adapters: about a tenth of a posting's
            # client CPU, so one is kept while the connection stays the same.
            cursor = self._cursor = driver.cursor()
        try:
            cursor.execute(statement, params, prepare=True)
            outcome, detail = cursor.fetchone()
        except psycopg.Error as error:
            raise DBAPIError.instance(statement, params, error, psycopg.Error) from error
        return outcome, detail

    def _refusal(self, command: LedgerCommand, refusal: str, detail: str | None) -> TradepactError:
        ref = command.transfer_id
        if refusal == CREDIT_LINE_CHECK:
            return self._beyond_credit_line(command)
        match refusal:
            case "ledger_account_exists":
                return InvalidInput(f"no ledger account {detail}: a member's account opens when "
                                    "the business registers", field="account")
            case "ledger_entry_currency":
                return CurrencyMismatch(f"transfer {ref} does not match its accounts' currency ({detail})")
            case "ledger_transfer_id_reused":
                return InvalidInput(f"transfer id {ref} is already taken by a {detail} transfer")
            case "ledger_hold_exists":
                return InvalidInput(f"there is no hold {getattr(command, 'hold_id', '')}")
            case "ledger_hold_pending":
                return InvalidTransition(f"hold {getattr(command, 'hold_id', '')} is already {detail}")
            case "ledger_post_within_hold" if isinstance(command, PostHold) and command.amount:
                held = Money(int(detail or 0), command.amount.currency)
                return InvalidInput(f"cannot post {command.amount} of a hold of {held}", field="amount")
        return InvalidInput(f"the ledger refused transfer {ref}: {detail or refusal}")

    def _beyond_credit_line(self, command: LedgerCommand) -> TradepactError:
        """Name the account whose line the command would pass, as its owner would read it."""
        debits = [(p.account, -p.amount) for p in getattr(command, "postings", ()) if p.amount.amount_minor < 0]
        if isinstance(command, Hold):
            debits = [(command.source, command.amount)]
        for address, amount in debits:
            account = self._account(address) or unopened(address, amount.currency)
            if account.credit_limit is not None and account.available < amount.amount_minor:
                available = Money(account.available, account.currency)
                if account.credit_limit == 0:
                    return InsufficientFunds(f"not enough funds: {amount} is needed and {available} is available")
                line = Money(account.credit_limit, account.currency)
                return CreditLimitExceeded(
                    f"not enough credits: paying {amount} would exceed your credit line of {line} "
                    f"(available: {available})")
        return InsufficientFunds(f"transfer {command.transfer_id} would pass an account's credit line")

    # ---- reads --------------------------------------------------------------------------
    def balance(self, address: str) -> AccountBalance:
        account = self._account(address)
        if account is None:
            raise InvalidInput(f"no ledger account {address}", field="account")
        return account

    def _account(self, address: str) -> AccountBalance | None:
        row = self.session.execute(BALANCE, {"address": address}).first()
        if row is None:
            return None
        available = row.posted - row.pending_out + (row.credit_limit or 0)
        return AccountBalance(row.address, row.currency, row.posted, row.pending_out, row.pending_in,
                              available, row.credit_limit)

    def statement(self, address: str, limit: int = 100) -> list[StatementLine]:
        """The account's latest `limit` lines, newest first."""
        rows = self.session.execute(STATEMENT, {"address": address, "limit": limit}).all()
        return [StatementLine(*row) for row in rows]

    def transfers_for_deal(self, deal_id: str) -> list[DealTransfer]:
        """Every transfer of a deal in the order they happened, with its postings."""
        transfers: dict[str, DealTransfer] = {}
        for row in self.session.execute(DEAL_TRANSFERS, {"deal_id": deal_id}):
            known = transfers.get(row.id) or DealTransfer(
                row.id, row.kind, row.status, row.pending_id, row.memo, row.created_at, ())
            postings = (Posting(row.address, Money(row.amount, row.currency)),) if row.address else ()
            transfers[row.id] = replace(known, postings=known.postings + postings)
        return list(transfers.values())

    def trial_balance(self) -> dict[str, int]:
        """Sum of posted balances per currency over every account: zero, or the books are broken."""
        return dict(self.session.execute(text(
            "SELECT currency, sum(posted)::bigint FROM ledger_accounts GROUP BY currency")).all())

    def pending_balance(self) -> dict[str, int]:
        """Held amounts leave one account for another: reservations in less out, per currency, is zero."""
        return dict(self.session.execute(text(
            "SELECT currency, sum(pending_in - pending_out)::bigint FROM ledger_accounts GROUP BY currency"
        )).all())

    def escrow_balance(self, deal_id: str) -> dict[str, int]:
        """What a deal's escrow holds per currency, posted or reserved toward it."""
        addresses = [escrow_account(deal_id, currency) for currency in EXPONENTS]
        return dict(self.session.execute(text(
            "SELECT currency, posted + pending_in FROM ledger_accounts WHERE address = ANY(:addresses)"),
            {"addresses": addresses}).all())
