"""Reconciliation: the ledger's cash side against what Stripe actually holds, key by key, with
the platform's own log of its Stripe calls (stripe_movements) as the third witness.

Every Stripe call a deal makes carries its movement key (`deal:{id}:release:EUR`) in the
object's metadata, and the ledger transfer for the same step has that key as its id. So the
sides line up by key: a key on one side only, or with different amounts, is a mismatch, said
in words a finance person can act on. A Stripe object with no key (a refund made by hand in
Stripe's dashboard) still names its deal through its transfer group or payment, and stands
under its own key (`stripe:re_...`): no ledger transfer can ever match it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from domain.cash import CashKind
from domain.money import Money

STEP_KINDS = {"fund": CashKind.CHARGE, "release": CashKind.PAYOUT, "refund": CashKind.REFUND,
              "ruling-release": CashKind.PAYOUT, "ruling-refund": CashKind.REFUND}
WHAT = {CashKind.CHARGE: "card payment", CashKind.PAYOUT: "payout", CashKind.REFUND: "refund"}


def kind_of_key(key: str) -> CashKind | None:
    """`deal:{id}:{step}:{CUR}` → the Stripe movement that step makes, if any."""
    parts = key.split(":")
    return STEP_KINDS.get(parts[-2]) if len(parts) >= 4 and parts[0] == "deal" else None


def deal_of_key(key: str) -> str:
    return ":".join(key.split(":")[1:-2])


def unkeyed(stripe_id: str) -> str:
    """The key of a Stripe object the platform did not make (it has no movement key)."""
    return f"stripe:{stripe_id}"


@dataclass(frozen=True)
class CashLine:
    """One side's record of one movement: a ledger transfer, or a Stripe object."""

    key: str
    deal_id: str
    kind: CashKind
    amount: Money
    ref: str  # the ledger transfer id, or the Stripe object id


@dataclass(frozen=True)
class MovementRecord:
    """The platform's log of one Stripe call: what it believes Stripe did."""

    key: str
    deal_id: str
    kind: CashKind
    status: str  # succeeded | failed | pending | refunded | reversed
    stripe_id: str | None
    failure: str | None = None

    @property
    def refused(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True)
class Mismatch:
    deal_id: str
    key: str
    reason: str


def reconcile(ledger: Iterable[CashLine], stripe: Iterable[CashLine],
              records: Iterable[MovementRecord] = ()) -> tuple[Mismatch, ...]:
    """Every key whose ledger, Stripe and the platform's log disagree, with the reasons."""
    books: dict[str, list[CashLine]] = defaultdict(list)
    bank: dict[str, list[CashLine]] = defaultdict(list)
    for line in ledger:
        books[line.key].append(line)
    for line in stripe:
        bank[line.key].append(line)
    logged = {record.key: record for record in records}
    found = []
    for key in sorted(books.keys() | bank.keys() | {k for k, r in logged.items() if not r.refused}):
        record = logged.get(key)
        reasons = [r for r in (_ledger_against_stripe(books.get(key, []), bank.get(key, []), record),
                               _log_against_stripe(bank.get(key, []), record, bool(books.get(key)))) if r]
        if reasons:
            deal_id = (books.get(key) or bank.get(key) or [record])[0].deal_id
            found.append(Mismatch(deal_id, key, "; ".join(reasons)))
    return tuple(found)


def _ledger_against_stripe(books: list[CashLine], bank: list[CashLine], record: MovementRecord | None) -> str | None:
    if not books and not bank:
        return None
    what = WHAT[(books or bank)[0].kind]
    if not bank:
        return f"the ledger records a {what} of {_total(books)} but Stripe has none{_why_none(record)}"
    if not books:
        return f"Stripe has a {what} of {_total(bank)} ({_ids(bank)}) that the ledger does not record"
    if len(bank) > 1:
        return f"Stripe has {len(bank)} {what}s for one step ({_ids(bank)}): money moved more than once"
    if _total(books) != _total(bank):
        return f"the ledger records a {what} of {_total(books)} but Stripe's {bank[0].ref} is {_total(bank)}"
    return None


def _why_none(record: MovementRecord | None) -> str:
    if record is None or not record.refused:
        return ""
    if record.kind is CashKind.PAYOUT:
        return " (Stripe refused it; it waits in finance's payout queue)"
    return f" (Stripe refused it: {record.failure})" if record.failure else " (Stripe refused it)"


def _log_against_stripe(bank: list[CashLine], record: MovementRecord | None, in_ledger: bool) -> str | None:
    """What the platform's log of its Stripe calls says against what Stripe holds."""
    if record is None:
        if bank and not in_ledger:
            return "the platform never asked Stripe for it"
        return None
    what = WHAT[record.kind]
    if record.refused:
        if bank:
            return (f"the platform's log says Stripe refused this {what}, yet Stripe holds {_ids(bank)}: "
                    "retrying it would move the money twice")
        return None
    if not bank:
        return f"the platform's log says Stripe made it ({record.stripe_id}, {record.status}) but Stripe has no such {what}"
    if record.stripe_id not in {line.ref for line in bank}:
        return f"the platform's log names {record.stripe_id} but Stripe's {what} is {_ids(bank)}"
    return None


def _ids(lines: list[CashLine]) -> str:
    return ", ".join(line.ref for line in lines)


def _total(lines: list[CashLine]) -> Money:
    total = Money.zero(lines[0].amount.currency)
    for line in lines:
        total += line.amount
    return total
