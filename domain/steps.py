"""What one deal transition produced: a timeline entry, ledger changes, Stripe calls and notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from domain.cash import CashMovement
from domain.ledger import LedgerBatch


@dataclass(frozen=True)
class Notice:
    """A notification for one business (in-app, and email per its preferences)."""

    business_id: int
    kind: str
    subject: str
    body: str


@dataclass(frozen=True)
class Step:
    """One entry of the deal's timeline; `seq` makes every write of it idempotent."""

    seq: int
    kind: str
    at: dt.datetime
    actor_id: int | None
    summary: str
    ledger: LedgerBatch = field(default_factory=LedgerBatch)
    notices: tuple[Notice, ...] = ()
    # Stripe calls made before the step is recorded (payouts, refunds); their keys are idempotent.
    cash: tuple[CashMovement, ...] = ()
