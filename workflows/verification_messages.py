"""The dataclasses that cross the VerificationWorkflow's boundary: one in, one out, per message.

The web imports only this module (and `names`) for verifications; the worker's sandbox passes
it through, so its classes are the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.verification import Act, Submission, VerificationPolicy, VerificationStep


@dataclass(frozen=True)
class VerificationInput:
    business_id: int
    policy: VerificationPolicy | None = None  # None: the platform's defaults


@dataclass(frozen=True)
class VerificationCommand:
    """The `act` Update: the business submits (or answers), an admin approves, rejects or asks."""

    act: Act
    user_id: int  # who clicked; kept in the history, the case's audit trail
    is_admin: bool = False
    submission: Submission | None = None
    reason: str = ""


@dataclass(frozen=True)
class VerificationReply:
    business_id: int
    status: str
    version: int
    summary: str


@dataclass(frozen=True)
class VerificationRecord:
    step: VerificationStep
    actor_user_id: int | None
    workflow_id: str


@dataclass(frozen=True)
class VerificationRecorded:
    key: str


@dataclass(frozen=True)
class VerificationResult:
    business_id: int
    status: str
