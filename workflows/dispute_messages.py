"""The dataclasses that cross DisputeWorkflow's boundary (and the deal's `open_dispute` Update):
one in, one out, for each message. The web imports only this module (and `names`) from workflows/.

Who `actor_id` is depends on the action: a business for a party's action (offer, accept,
evidence, withdraw, appeal, open), the arbitrator's user id for a ruling, the operator's user
id for a reassignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.arbitration import Arbitrator, Party
from domain.dispute_fees import FeeCharge
from domain.dispute_stages import DisputeAction, DisputeStage
from domain.dispute_steps import DisputeStep
from domain.disputes import Dispute
from domain.evidence import EvidenceFile
from domain.rulings import Ruling


@dataclass(frozen=True)
class OpenDispute:
    """A party opens a dispute on its deal: the deal workflow's `open_dispute` Update."""

    actor_business_id: int
    actor_user_id: int
    reason: str  # a DisputeReason value
    details: str
    asked_for: str


@dataclass(frozen=True)
class DisputeInput:
    """The child workflow's input: the dispute as opened, and its first timeline entry."""

    dispute: Dispute
    opened: DisputeStep


@dataclass(frozen=True)
class DisputeCommand:
    """One action on a dispute; the fields beyond `action` are used by the actions that need them."""

    action: DisputeAction
    actor_id: int
    actor_user_id: int = 0
    ruling: Ruling | None = None  # offer_settlement, rule
    offer_number: int = 0  # accept_settlement: the offer the party read
    statement: str = ""  # submit_evidence
    files: tuple[EvidenceFile, ...] = ()  # submit_evidence: already stored, by hash
    note: str = ""  # withdraw: a note; reassign: why


@dataclass(frozen=True)
class DisputeReply:
    deal_id: str
    stage: DisputeStage
    version: int
    summary: str


@dataclass(frozen=True)
class DisputeResult:
    """What the deal executes once the dispute is over: the final (or agreed) ruling with the
    dispute fee, and an appeal fee kept because the appeal failed; no ruling if withdrawn."""

    deal_id: str
    stage: DisputeStage
    ruling: Ruling | None
    fee_charges: tuple[FeeCharge, ...] = ()
    appeal_fee_kept: tuple[FeeCharge, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class DisputeStepRecord:
    """Input of the dispute-step activity: the dispute after the step, and the step."""

    dispute: Dispute
    step: DisputeStep


@dataclass(frozen=True)
class ArbitratorPoolRequest:
    deal_id: str
    buyer_id: int
    seller_id: int


@dataclass(frozen=True)
class ArbitratorPool:
    """Active arbitrators with their load and conflicts, and the two parties by name."""

    arbitrators: tuple[Arbitrator, ...]
    parties: tuple[Party, Party]


@dataclass(frozen=True)
class DisputeStepReceipt:
    deal_id: str
    seq: int
    replayed: bool
