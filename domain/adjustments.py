"""Manual ledger adjustments under the four-eyes rule.

One finance user proposes moving an amount from one ledger account to another, with a reason;
a second, different finance user approves it, and only then is it posted to the ledger as one
transfer whose id (`adjustment:{id}`) is its idempotency key. Either may reject it instead.
A proposal whose posting the ledger refuses (e.g. a credit line) simply stays open.

Standard library and the domain only: ids and people are arguments, so the same checks run in
the web, in a script, or in a workflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidInput, InvalidTransition, RuleViolation
from domain.ledger import Posting, Transfer
from domain.money import Money

MAX_REASON = 1_000
# Colon-separated segments such as `member:12:credits` or `deal:ab12:escrow:EUR`.
ADDRESS = re.compile(r"[a-z_]+(:[A-Za-z0-9_.-]+)+")


class AdjustmentStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class SelfApproval(RuleViolation):
    """Four eyes: the finance user who proposed an adjustment may not approve it too."""

    code = "self_approval"


@dataclass(frozen=True)
class Adjustment:
    id: int
    from_account: str
    to_account: str
    amount: Money
    reason: str
    proposed_by: int
    status: AdjustmentStatus = AdjustmentStatus.PROPOSED
    decided_by: int | None = None

    @property
    def transfer_id(self) -> str:
        return adjustment_transfer_id(self.id)

    def transfer(self) -> Transfer:
        """The one ledger transfer this adjustment posts when approved."""
        return Transfer(
            transfer_id=self.transfer_id,
            postings=(Posting(self.from_account, -self.amount), Posting(self.to_account, self.amount)),
            memo=f"Adjustment #{self.id}: {self.reason}",
        )

    def approve(self, approver_id: int) -> Adjustment:
        """The approved adjustment; refused when already decided, or when the approver proposed it."""
        self._still_open()
        if approver_id == self.proposed_by:
            raise SelfApproval("you proposed this adjustment: a second finance user must approve it")
        return Adjustment(self.id, self.from_account, self.to_account, self.amount, self.reason,
                          self.proposed_by, AdjustmentStatus.APPROVED, approver_id)

    def reject(self, user_id: int) -> Adjustment:
        """Anyone in finance may reject an open proposal, its proposer included (a withdrawal)."""
        self._still_open()
        return Adjustment(self.id, self.from_account, self.to_account, self.amount, self.reason,
                          self.proposed_by, AdjustmentStatus.REJECTED, user_id)

    def _still_open(self) -> None:
        if self.status is not AdjustmentStatus.PROPOSED:
            raise InvalidTransition(f"adjustment #{self.id} is already {self.status.value}")


def adjustment_transfer_id(adjustment_id: int) -> str:
    return f"adjustment:{adjustment_id}"


def check_proposal(from_account: str, to_account: str, amount: Money, reason: str) -> None:
    """Refuse a proposal no one could approve: each raised error names the field at fault."""
    for field, address in (("from_account", from_account), ("to_account", to_account)):
        if not ADDRESS.fullmatch(address):
            raise InvalidInput(f"{address!r} is not a ledger account address", field=field)
    if from_account == to_account:
        raise InvalidInput("an adjustment moves money between two different accounts", field="to_account")
    if not amount.is_positive:
        raise InvalidInput("the amount must be greater than zero", field="amount")
    if not reason.strip():
        raise InvalidInput("say why this adjustment is needed", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"the reason is limited to {MAX_REASON} characters", field="reason")
