"""Reconciliation: the ledger's cash side against what Stripe actually holds, key by key.

Every Stripe call a deal makes carries its movement key (`deal:{id}:release:EUR`) in the
object's metadata, and the ledger transfer for the same step has that key as its id. So the
two sides line up by key: a key on one side only, or with different amounts, is a mismatch,
said in words a finance person can act on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from domain.cash import CashKind
from domain.money import Money

STEP_KINDS = {"fund": CashKind.CHARGE, "release": CashKind.PAYOUT, "refund": CashKind.REFUND}
WHAT = {CashKind.CHARGE: "card payment", CashKind.PAYOUT: "payout", CashKind.REFUND: "refund"}


def kind_of_key(key: str) -> CashKind | None:
    """`deal:{id}:{step}:{CUR}` → the Stripe movement that step makes, if any."""
    parts = key.split(":")
    return STEP_KINDS.get(parts[-2]) if len(parts) >= 4 and parts[0] == "deal" else None


@dataclass(frozen=True)
class CashLine:
    """One side's record of one movement: a ledger transfer, or a Stripe object."""

    key: str
    deal_id: str
    kind: CashKind
    amount: Money
    ref: str  # the ledger transfer id, or the Stripe object id


@dataclass(frozen=True)
class Mismatch:
    deal_id: str
    key: str
    reason: str


def reconcile(ledger: Iterable[CashLine], stripe: Iterable[CashLine],
              in_finance_queue: frozenset[str] = frozenset()) -> tuple[Mismatch, ...]:
    """Every key whose ledger and Stripe records disagree, with the reason."""
    books: dict[str, list[CashLine]] = defaultdict(list)
    bank: dict[str, list[CashLine]] = defaultdict(list)
    for line in ledger:
        books[line.key].append(line)
    for line in stripe:
        bank[line.key].append(line)
    found = []
    for key in sorted(books.keys() | bank.keys()):
        reason = _disagreement(books.get(key, []), bank.get(key, []), key in in_finance_queue)
        if reason:
            deal_id = (books.get(key) or bank[key])[0].deal_id
            found.append(Mismatch(deal_id, key, reason))
    return tuple(found)


def _disagreement(books: list[CashLine], bank: list[CashLine], queued: bool) -> str | None:
    line = (books or bank)[0]
    what = WHAT[line.kind]
    if not bank:
        total = _total(books)
        waiting = " (it waits in finance's payout queue)" if queued else ""
        return f"the ledger records a {what} of {total} but Stripe has none{waiting}"
    if not books:
        ids = ", ".join(b.ref for b in bank)
        return f"Stripe has a {what} of {_total(bank)} ({ids}) that the ledger does not record"
    if len(bank) > 1:
        ids = ", ".join(b.ref for b in bank)
        return f"Stripe has {len(bank)} {what}s for one step ({ids}): money moved more than once"
    if _total(books) != _total(bank):
        return f"the ledger records a {what} of {_total(books)} but Stripe's {bank[0].ref} is {_total(bank)}"
    return None


def _total(lines: list[CashLine]) -> Money:
    total = Money.zero(lines[0].amount.currency)
    for line in lines:
        total += line.amount
    return total
