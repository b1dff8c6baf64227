"""Ledger vocabulary: account addresses and the transfers the rules ask for.

Amounts on a posting are signed from the account's point of view: positive increases its
balance, negative decreases it. Every transfer's postings sum to zero per currency.
A hold is a pending transfer (TigerBeetle's two-phase model): later posted, in full or in
part, or voided. Transfer ids are the caller's idempotency keys, e.g. `deal:{id}:fund:CRD`.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.money import Money


def member_account(business_id: int, currency: str) -> str:
    return f"member:{business_id}:{'credits' if currency == 'CRD' else currency}"


def escrow_account(deal_id: str, currency: str) -> str:
    return f"deal:{deal_id}:escrow:{currency}"


def platform_fees_account(currency: str) -> str:
    return f"platform:fees:{currency}"


def stripe_clearing_account(currency: str) -> str:
    return f"platform:stripe_clearing:{currency}"


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Money


@dataclass(frozen=True)
class Transfer:
    """An immediately posted transfer of two or more postings summing to zero."""

    transfer_id: str
    postings: tuple[Posting, ...]
    memo: str = ""
    deal_id: str | None = None

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise InvalidInput("a transfer needs at least two postings")
        totals: dict[str, int] = {}
        for posting in self.postings:
            totals[posting.amount.currency] = (
                totals.get(posting.amount.currency, 0) + posting.amount.amount_minor
            )
        if any(totals.values()):
            raise InvalidInput(f"transfer {self.transfer_id} does not balance: {totals}")


@dataclass(frozen=True)
class Hold:
    """Reserve `amount` from `source` toward `destination` until posted or voided."""

    transfer_id: str
    source: str
    destination: str
    amount: Money
    memo: str = ""
    deal_id: str | None = None

    def __post_init__(self) -> None:
        if not self.amount.is_positive:
            raise InvalidInput("a hold must be for a positive amount")


@dataclass(frozen=True)
class PostHold:
    """Post a pending hold; `amount` None posts it in full, less posts part and frees the rest."""

    transfer_id: str
    hold_id: str
    amount: Money | None = None
    memo: str = ""


@dataclass(frozen=True)
class VoidHold:
    transfer_id: str
    hold_id: str
    memo: str = ""


LedgerCommand = Transfer | Hold | PostHold | VoidHold


@dataclass(frozen=True)
class LedgerBatch:
    """The ledger changes of one deal step, applied in one database transaction.

    Kept as typed groups (not one mixed list) so they cross Temporal's JSON converter
    unambiguously; `commands()` gives the one order that is always valid: free what is
    voided, reserve, post holds, then move posted money on.
    """

    voids: tuple[VoidHold, ...] = ()
    holds: tuple[Hold, ...] = ()
    posts: tuple[PostHold, ...] = ()
    transfers: tuple[Transfer, ...] = ()

    def commands(self) -> tuple[LedgerCommand, ...]:
        return (*self.voids, *self.holds, *self.posts, *self.transfers)

    def __bool__(self) -> bool:
        return bool(self.commands())
