"""The dataclasses that cross the matching and ring workflows' boundaries: one in, one out.

The web imports only this module (and `names`) for rings; the worker's sandbox passes it
through, so its classes are the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.rings import Ring, RingPolicy


@dataclass(frozen=True)
class MatchRun:
    listing_id: int | None = None  # None: a full recompute; else the listing just published
    ring_policy: RingPolicy = field(default_factory=RingPolicy)


@dataclass(frozen=True)
class MatchSummary:
    listings: int
    matches: int


@dataclass(frozen=True)
class RingProposals:
    rings: tuple[Ring, ...] = ()


@dataclass(frozen=True)
class MatchRunResult:
    matches: int
    rings_proposed: tuple[str, ...]


@dataclass(frozen=True)
class RingInput:
    ring: Ring


@dataclass(frozen=True)
class RingAnswer:
    business_id: int
    accept: bool
    reason: str = ""


@dataclass(frozen=True)
class RingReply:
    ring_key: str
    status: str
    accepted_by: tuple[int, ...]
    summary: str


@dataclass(frozen=True)
class RingRecord:
    """One step of a ring for its read model; `notice` (if any) goes to its three businesses."""

    ring: Ring
    version: int
    notice: str = ""


@dataclass(frozen=True)
class LegReached:
    deal_id: str
    stage: str


@dataclass(frozen=True)
class RingLegCall:
    deal_id: str
    step: str  # domain.ring_legs.RING_STEPS
    reason: str = ""


@dataclass(frozen=True)
class RingResult:
    ring_key: str
    status: str
