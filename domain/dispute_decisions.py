"""The arbitrator's side of a dispute: assignment, reassignment, the ruling, and the appeal.

Every assignment is recorded with the reason it was made (domain/arbitration.py chooses) and,
once over, when and why it ended — ruled, reassigned after the SLA, taken off by an operator.
Only the arbitrator currently assigned may rule. A ruling opens the appeal window: either side
may appeal once, paying the appeal fee; a senior arbitrator who had no part in the first
round rules, and that ruling is final. A successful appellant gets the fee back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from domain.arbitration import ArbitratorChoice
from domain.dispute_fees import appeal_succeeded
from domain.dispute_stages import RULING_STAGES, DisputeAction, DisputeStage
from domain.dispute_steps import StaffAlert, when
from domain.errors import AlreadyDone, InvalidInput, InvalidTransition
from domain.money import Money
from domain.rulings import Ruling

if TYPE_CHECKING:
    from domain.disputes import Dispute, DisputeOutcome


@dataclass(frozen=True)
class Assignment:
    arbitrator_id: int
    name: str
    is_senior: bool
    at: dt.datetime
    reason: str  # why this arbitrator, in words (conflicts excluded, load, the draw)
    for_appeal: bool = False
    ended_at: dt.datetime | None = None
    ended_why: str = ""


@dataclass(frozen=True)
class Appeal:
    by: int
    at: dt.datetime
    fee: tuple[Money, ...]  # paid when lodged; refunded if the appeal succeeds
    succeeded: bool | None = None  # known once the senior arbitrator has ruled


def _fees(fees: tuple[Money, ...]) -> str:
    return " + ".join(str(f) for f in fees) or "no fee"


class CaseDecisions:
    """Mixed into `Dispute`."""

    @property
    def current_assignment(self: Dispute) -> Assignment | None:
        last = self.assignments[-1] if self.assignments else None
        return last if last is not None and last.ended_at is None else None

    @property
    def needs_arbitrator(self: Dispute) -> bool:
        """The workflow should choose one (domain/arbitration.py) and call `assign_arbitrator`."""
        in_play = self.stage in RULING_STAGES or self.stage is DisputeStage.EVIDENCE
        return in_play and self.current_assignment is None

    @property
    def not_again(self: Dispute) -> tuple[int, ...]:
        """Arbitrators already taken off this round of the case: never chosen for it again."""
        appeal = self.stage is DisputeStage.APPEALED
        return tuple(a.arbitrator_id for a in self.assignments if a.ended_at and a.for_appeal == appeal)

    @property
    def first_round_arbitrators(self: Dispute) -> tuple[int, ...]:
        """Everyone assigned before the appeal, whether they ruled or were taken off: an appeal
        is a fresh look, so none of them may decide it."""
        return tuple(a.arbitrator_id for a in self.assignments if not a.for_appeal)

    @property
    def appeal_fee(self: Dispute) -> tuple[Money, ...]:
        """What an appeal costs, charged before `lodge_appeal` is recorded."""
        return self.policy.appeal_fee.fee_for(self.held)

    def assign_arbitrator(self: Dispute, choice: ArbitratorChoice, now: dt.datetime) -> DisputeOutcome:
        self.check(DisputeAction.ASSIGN_ARBITRATOR, None, now)
        arbitrator, appeal = choice.arbitrator, self.stage is DisputeStage.APPEALED
        if self.current_assignment is not None:
            raise AlreadyDone(f"{self.current_assignment.name} is assigned; reassign the case first")
        if appeal and not arbitrator.is_senior:
            raise InvalidTransition("an appeal is decided by a senior arbitrator")
        if appeal and arbitrator.arbitrator_id in self.first_round_arbitrators:
            raise InvalidTransition(f"{arbitrator.name} worked on the first ruling, so cannot decide the appeal")
        if arbitrator.arbitrator_id in self.not_again:
            raise InvalidTransition(f"{arbitrator.name} was already taken off this case")
        # An arbitrator always gets the full SLA: from the close of evidence, or from a later assignment.
        due = None if self.stage is DisputeStage.EVIDENCE else now + self.policy.ruling_sla
        record = Assignment(arbitrator.arbitrator_id, arbitrator.name, arbitrator.is_senior, now, choice.reason,
                            for_appeal=appeal)
        what = "the appeal" if appeal else "the case"
        summary = f"{arbitrator.name} was assigned to {what}"
        deadline = f"Rule by {when(due)}." if due else \
            f"Evidence closes {when(self.evidence_ends_at)}."
        step = self._step("arbitrator_assigned", now, None, summary,
                          notices=self.notices_to_both("arbitrator", "Arbitrator assigned", summary),
                          alerts=(self._alert(arbitrator.arbitrator_id, "New case", f"{summary}. {deadline}"),))
        return self._advance(step, assignments=self.assignments + (record,), ruling_due_at=due)

    def reassign(self: Dispute, now: dt.datetime, why: str, operator_id: int | None = None) -> DisputeOutcome:
        """Take the current arbitrator off the case (the SLA passed, or an operator decided)."""
        self.check(DisputeAction.REASSIGN, operator_id, now)
        current = self.current_assignment
        if current is None:
            raise InvalidTransition("no arbitrator is assigned to take off the case")
        if not why.strip():
            raise InvalidInput("say why the case is reassigned", field="why")
        summary = f"{current.name} was taken off the case ({why.strip()}); another arbitrator will be assigned"
        alerts = (self._alert(current.arbitrator_id, "Case reassigned", f"You were taken off the case: {why}."),
                  *self._to_operators("reassign", "Case needs an arbitrator", summary))
        step = self._step("reassigned", now, operator_id, summary, alerts=alerts,
                          notices=self.notices_to_both("arbitrator", "Case reassigned", summary))
        # No SLA runs without an arbitrator: the next assignment starts a fresh one.
        return self._advance(step, assignments=self._ended_assignments(now, why.strip()), ruling_due_at=None)

    def rule(self: Dispute, arbitrator_id: int, ruling: Ruling, now: dt.datetime) -> DisputeOutcome:
        """The assigned arbitrator's ruling. One that comes after the SLA still counts until the
        case is actually reassigned: the SLA spares the parties a wait, it does not void work."""
        after = self.check(DisputeAction.RULE, arbitrator_id, now)
        if ruling.default_loser is not None:
            raise InvalidInput("a loss by default is declared by the evidence deadline, not by hand", field="ruling")
        ruling.validate(self.held)
        current = self.current_assignment
        assert current is not None  # check() admitted the assigned arbitrator
        assignments = self._ended_assignments(now, "ruled")
        if after is DisputeStage.FINAL:
            return self._rule_on_appeal(ruling, current, now, assignments)
        ends = now + self.policy.appeal_window
        summary = f"Ruling by {current.name}: {ruling.describe(self.held)}"
        body = (f"{summary}.\n\nReasons: {ruling.reasons}\n\nEither side may appeal once, by "
                f"{when(ends)}, for a fee of {_fees(self.appeal_fee)}; otherwise the ruling is final.")
        step = self._step("ruled", now, arbitrator_id, summary, notices=self.notices_to_both("ruling", "Ruling", body))
        return self._advance(step, stage=after, ruling=ruling, ruled_by=arbitrator_id, ruled_at=now,
                             appeal_ends_at=ends, ruling_due_at=None, assignments=assignments)

    def _rule_on_appeal(self: Dispute, ruling: Ruling, current: Assignment, now: dt.datetime,
                        assignments: tuple[Assignment, ...]) -> DisputeOutcome:
        assert self.appeal is not None and self.ruling is not None
        appellant = self.role_of(self.appeal.by)
        assert appellant is not None
        succeeded = appeal_succeeded(appellant, self.ruling, ruling, self.held)
        fee = f"the appeal fee of {_fees(self.appeal.fee)} is refunded" if succeeded else "the appeal fee is kept"
        summary = (f"Appeal ruling by {current.name}, final: {ruling.describe(self.held)}; the {appellant.value}'s "
                   f"appeal {'succeeded' if succeeded else 'did not succeed'}, and {fee}")
        body = f"{summary}.\n\nReasons: {ruling.reasons}"
        step = self._step("appeal_ruled", now, current.arbitrator_id, summary,
                          notices=self.notices_to_both("ruling", "Final ruling on the appeal", body))
        return self._advance(step, stage=DisputeStage.FINAL, appeal_ruling=ruling, ruling_due_at=None,
                             appeal=replace(self.appeal, succeeded=succeeded), assignments=assignments)

    def lodge_appeal(self: Dispute, actor_id: int, now: dt.datetime) -> DisputeOutcome:
        """Appeal the ruling; the workflow charges `appeal_fee` first."""
        after = self.check(DisputeAction.APPEAL, actor_id, now)
        appeal = Appeal(actor_id, now, self.appeal_fee)
        due = now + self.policy.ruling_sla
        summary = f"The {self.side_name(actor_id)} appealed the ruling (fee {_fees(appeal.fee)})"
        notices = (self.notice_to(self.other_party(actor_id), "appeal", "Ruling appealed",
                                  f"{summary}. A senior arbitrator will decide, and that decision is final."),
                   self.notice_to(actor_id, "appeal", "Appeal lodged",
                                  f"{summary}. If the appeal succeeds, the fee is refunded."))
        step = self._step("appealed", now, actor_id, summary, notices=notices,
                          alerts=self._to_operators("appeal", "Appeal needs a senior arbitrator", summary))
        return self._advance(step, stage=after, appeal=appeal, ruling_due_at=due)

    def _ended_assignments(self: Dispute, now: dt.datetime, why: str) -> tuple[Assignment, ...]:
        return tuple(replace(a, ended_at=now, ended_why=why) if a.ended_at is None else a for a in self.assignments)

    def _alert(self: Dispute, arbitrator_id: int, subject: str, body: str) -> StaffAlert:
        return StaffAlert("case", f"{subject} — {self.deal_title}", body, arbitrator_id)


def no_arbitrator_available(dispute: Dispute, why: str, now: dt.datetime) -> DisputeOutcome:
    """Nobody without a conflict can take the case: the operators are told, nothing else changes."""
    summary = f"No arbitrator could be assigned: {why}"
    step = dispute._step("no_arbitrator", now, None, summary,
                         alerts=dispute._to_operators("unassigned", "Case needs an arbitrator", summary))
    return dispute._advance(step)
