"""A dispute's stages, the actions on it, and the one table saying who may do what when.

    settlement_talks ──an offer is accepted──────────────────────────────────▶ settled
        │ 5 days without agreement
        ▼
    evidence ──7 days; one side submitted nothing: it loses by default──┐
        │ 7 days, both sides (or neither) submitted                      │
        ▼                                                                ▼
    awaiting_ruling ──the assigned arbitrator rules──────────────────▶ ruled ──3 days, no appeal──▶ final
        │ ruling SLA passes: reassigned, operator told                   │ appeal (once, with the fee)
        └──▶ awaiting_ruling (another arbitrator)                        ▼
                                                                     appealed ──senior arbitrator rules──▶ final

The opener may withdraw the dispute at any time before a ruling (→ withdrawn). `ruled` is the
stage in which the appeal window runs.
"""

from __future__ import annotations

from enum import StrEnum


class DisputeStage(StrEnum):
    SETTLEMENT_TALKS = "settlement_talks"
    EVIDENCE = "evidence"
    AWAITING_RULING = "awaiting_ruling"
    RULED = "ruled"  # a first ruling is in and the appeal window runs
    APPEALED = "appealed"
    FINAL = "final"
    SETTLED = "settled"
    WITHDRAWN = "withdrawn"


CLOSED_STAGES = frozenset({DisputeStage.FINAL, DisputeStage.SETTLED, DisputeStage.WITHDRAWN})
RULING_STAGES = frozenset({DisputeStage.AWAITING_RULING, DisputeStage.APPEALED})


class DisputeReason(StrEnum):
    NOT_DELIVERED = "not_delivered"
    NOT_AS_DESCRIBED = "not_as_described"  # fails the acceptance criteria written into the terms
    LATE = "late"
    INCOMPLETE = "incomplete"
    QUALITY = "quality"
    OTHER = "other"


REASON_LABELS = {
    DisputeReason.NOT_DELIVERED: "Not delivered",
    DisputeReason.NOT_AS_DESCRIBED: "Not as described / fails the acceptance criteria",
    DisputeReason.LATE: "Delivered late",
    DisputeReason.INCOMPLETE: "Incomplete",
    DisputeReason.QUALITY: "Quality not acceptable",
    DisputeReason.OTHER: "Other",
}


class DisputeAction(StrEnum):
    OFFER_SETTLEMENT = "offer_settlement"
    ACCEPT_SETTLEMENT = "accept_settlement"
    SUBMIT_EVIDENCE = "submit_evidence"
    WITHDRAW = "withdraw"
    ASSIGN_ARBITRATOR = "assign_arbitrator"
    REASSIGN = "reassign"
    RULE = "rule"
    APPEAL = "appeal"


class DisputeActor(StrEnum):
    EITHER = "either party"
    OFFEREE = "the party the latest settlement offer was made to"
    OPENER = "the party that opened the dispute"
    ARBITRATOR = "the arbitrator assigned to the case"
    PLATFORM = "the platform"  # the workflow, or an operator


S = DisputeStage
A = DisputeAction

# The whole dispute in one table: (stage, action) -> (who may, stage after).
DISPUTE_TRANSITIONS: dict[tuple[DisputeStage, DisputeAction], tuple[DisputeActor, DisputeStage]] = {
    (S.SETTLEMENT_TALKS, A.OFFER_SETTLEMENT): (DisputeActor.EITHER, S.SETTLEMENT_TALKS),
    (S.SETTLEMENT_TALKS, A.ACCEPT_SETTLEMENT): (DisputeActor.OFFEREE, S.SETTLED),
    (S.SETTLEMENT_TALKS, A.WITHDRAW): (DisputeActor.OPENER, S.WITHDRAWN),
    (S.EVIDENCE, A.SUBMIT_EVIDENCE): (DisputeActor.EITHER, S.EVIDENCE),
    (S.EVIDENCE, A.WITHDRAW): (DisputeActor.OPENER, S.WITHDRAWN),
    (S.EVIDENCE, A.ASSIGN_ARBITRATOR): (DisputeActor.PLATFORM, S.EVIDENCE),
    (S.EVIDENCE, A.REASSIGN): (DisputeActor.PLATFORM, S.EVIDENCE),
    (S.AWAITING_RULING, A.WITHDRAW): (DisputeActor.OPENER, S.WITHDRAWN),
    (S.AWAITING_RULING, A.ASSIGN_ARBITRATOR): (DisputeActor.PLATFORM, S.AWAITING_RULING),
    (S.AWAITING_RULING, A.REASSIGN): (DisputeActor.PLATFORM, S.AWAITING_RULING),
    (S.AWAITING_RULING, A.RULE): (DisputeActor.ARBITRATOR, S.RULED),
    (S.RULED, A.APPEAL): (DisputeActor.EITHER, S.APPEALED),
    (S.APPEALED, A.ASSIGN_ARBITRATOR): (DisputeActor.PLATFORM, S.APPEALED),
    (S.APPEALED, A.REASSIGN): (DisputeActor.PLATFORM, S.APPEALED),
    (S.APPEALED, A.RULE): (DisputeActor.ARBITRATOR, S.FINAL),
}

ACTION_LABELS = {
    A.OFFER_SETTLEMENT: "Offer a settlement",
    A.ACCEPT_SETTLEMENT: "Accept the settlement offer",
    A.SUBMIT_EVIDENCE: "Submit evidence",
    A.WITHDRAW: "Withdraw the dispute",
    A.ASSIGN_ARBITRATOR: "Assign an arbitrator",
    A.REASSIGN: "Reassign the case",
    A.RULE: "Rule",
    A.APPEAL: "Appeal the ruling",
}

PARTY_ACTIONS = frozenset({A.OFFER_SETTLEMENT, A.ACCEPT_SETTLEMENT, A.SUBMIT_EVIDENCE, A.WITHDRAW, A.APPEAL})
