"""What one dispute action produced: a timeline entry, notices to the parties, alerts to staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.steps import Notice


def when(at: dt.datetime | None) -> str:
    """A deadline as every dispute text shows it."""
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "—"


@dataclass(frozen=True)
class StaffAlert:
    """For platform staff rather than a member business: an arbitrator, or the operators."""

    kind: str
    subject: str
    body: str
    arbitrator_id: int | None = None  # None: the operators on duty


@dataclass(frozen=True)
class DisputeStep:
    """One entry of the dispute's timeline; `seq` makes every write of it idempotent."""

    seq: int
    kind: str
    at: dt.datetime
    actor_id: int | None  # a business, an arbitrator or an operator; None for the clock
    summary: str
    notices: tuple[Notice, ...] = ()
    alerts: tuple[StaffAlert, ...] = ()
