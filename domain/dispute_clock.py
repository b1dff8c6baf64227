"""The dispute's timers: which deadline or reminder is next, and what happens when it is due.

Like a deal's clock (domain/deal_clock.py): the workflow sleeps until `next_alarm_at()` (or
until someone acts), then calls `on_clock(now)` until it returns None. Alarms are keyed by name
and time, so a fresh SLA after a reassignment gets fresh reminders while a fired alarm never
fires twice. Each next window starts when the previous one's alarm fires, so a late timer
never shortens the time a party has.

    settlement talks end  → evidence opens
    evidence closes       → one side silent: it loses by default (ruled); else awaiting ruling
    ruling SLA passes     → the arbitrator is taken off the case, the operators are told
    appeal window closes  → the ruling is final
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from domain.deal_clock import Alarm
from domain.dispute_stages import DisputeStage
from domain.dispute_steps import StaffAlert, when
from domain.rulings import loss_by_default
from domain.steps import Notice

if TYPE_CHECKING:
    from domain.disputes import Dispute, DisputeOutcome

S = DisputeStage


class DisputeClock:
    """Mixed into `Dispute`."""

    def _window(self: Dispute) -> tuple[str, dt.datetime, dt.datetime] | None:
        sla_start = self.ruling_due_at - self.policy.ruling_sla if self.ruling_due_at else None
        name, starts, ends = {
            S.SETTLEMENT_TALKS: ("settlement", self.opened_at, self.settlement_ends_at),
            S.EVIDENCE: ("evidence", self.stage_since, self.evidence_ends_at),
            S.AWAITING_RULING: ("ruling", sla_start, self.ruling_due_at),
            S.APPEALED: ("ruling", sla_start, self.ruling_due_at),
            S.RULED: ("appeal", self.ruled_at, self.appeal_ends_at),
        }.get(self.stage, ("", None, None))
        return (name, starts, ends) if starts is not None and ends is not None else None

    def alarms(self: Dispute) -> tuple[Alarm, ...]:
        """The alarms of the current stage, reminders first."""
        window = self._window()
        if window is None:
            return ()
        name, starts, ends = window
        alarms = [Alarm(f"{name}_reminder", at, is_reminder=True) for at in self.policy.reminders(starts, ends)]
        alarms.append(Alarm(name, ends, is_reminder=False))
        return tuple(a for a in alarms if a.key not in self.alarms_done)

    def next_alarm_at(self: Dispute) -> dt.datetime | None:
        pending = self.alarms()
        return min(a.at for a in pending) if pending else None

    def deadlines(self: Dispute) -> dict[str, dt.datetime]:
        """The deadline that matters in the current stage, for the dispute page and the desk."""
        window = self._window()
        labels = {"settlement": "settlement talks end", "evidence": "evidence closes",
                  "ruling": "ruling due", "appeal": "appeal window closes"}
        return {labels[window[0]]: window[2]} if window else {}

    def on_clock(self: Dispute, now: dt.datetime) -> DisputeOutcome | None:
        """Fire the earliest alarm that is due, if any."""
        due = [a for a in self.alarms() if a.at <= now]
        if not due:
            return None
        alarm = min(due, key=lambda a: a.at)
        outcome = self._remind(alarm, now) if alarm.is_reminder else self._deadline(alarm, now)
        marked = replace(outcome.dispute, alarms_done=outcome.dispute.alarms_done + (alarm.key,))
        return replace(outcome, dispute=marked)

    def _remind(self: Dispute, alarm: Alarm, now: dt.datetime) -> DisputeOutcome:
        ((label, at),) = self.deadlines().items()
        text = f"Reminder: {label} {when(at)}"
        notices: tuple[Notice, ...] = ()
        alerts: tuple[StaffAlert, ...] = ()
        if self.stage is S.SETTLEMENT_TALKS:
            notices = self.notices_to_both("reminder", text, f"{text}; without agreement, each side then "
                                                             "submits evidence.")
        elif self.stage is S.EVIDENCE:
            silent = [p for p in self.parties if not self.has_submitted(p)]
            notices = tuple(self.notice_to(p, "reminder", text, f"{text}. A side that submits nothing by then "
                                                                "loses by default.") for p in silent)
        elif self.stage is S.RULED:
            notices = self.notices_to_both("reminder", text, f"{text}: either side may appeal once until then; "
                                                             "after that the ruling is final.")
        else:
            alerts = self._to_arbitrator("reminder", text, f"{text}; after that the case is reassigned.") \
                or self._to_operators("reminder", "No arbitrator yet", f"{text} and no arbitrator is assigned.")
        return self._advance(self._step("reminder", now, None, text, notices=notices, alerts=alerts))

    def _deadline(self: Dispute, alarm: Alarm, now: dt.datetime) -> DisputeOutcome:
        if self.stage is S.SETTLEMENT_TALKS:
            return self._open_evidence(now)
        if self.stage is S.EVIDENCE:
            return self._close_evidence(now)
        if self.stage is S.RULED:
            return self._make_final(now)
        return self._escalate(now)

    def _open_evidence(self: Dispute, now: dt.datetime) -> DisputeOutcome:
        ends = now + self.policy.evidence_window
        summary = f"Settlement talks ended without agreement; evidence closes {when(ends)}"
        body = (f"{summary}. Submit your statement and files by then: a side that submits nothing "
                "loses by default.")
        step = self._step("evidence_opened", now, None, summary,
                          notices=self.notices_to_both("evidence", "Submit your evidence", body))
        return self._advance(step, stage=S.EVIDENCE, evidence_ends_at=ends)

    def _close_evidence(self: Dispute, now: dt.datetime) -> DisputeOutcome:
        silent = [p for p in self.parties if not self.has_submitted(p)]
        if len(silent) == 1:
            return self._lost_by_default(silent[0], now)
        due = now + self.policy.ruling_sla
        how = "neither side submitted any: the arbitrator rules on the deal's record" if silent \
            else "both sides submitted theirs"
        summary = f"Evidence closed; {how}. Ruling due {when(due)}"
        alerts = self._to_arbitrator("ready", "Ready for your ruling", summary) \
            or self._to_operators("unassigned", "Case needs an arbitrator", summary)
        step = self._step("evidence_closed", now, None, summary, alerts=alerts,
                          notices=self.notices_to_both("evidence", "Evidence closed", summary))
        return self._advance(step, stage=S.AWAITING_RULING, ruling_due_at=due)

    def _lost_by_default(self: Dispute, silent_id: int, now: dt.datetime) -> DisputeOutcome:
        loser = self.role_of(silent_id)
        assert loser is not None
        reasons = (f"The {loser.value} submitted no evidence by the evidence deadline "
                   f"({when(self.evidence_ends_at)}) and loses by default.")
        ruling = loss_by_default(self.held, loser, reasons)
        ends = now + self.policy.appeal_window
        summary = f"{reasons} {ruling.describe(self.held)}"
        body = f"{summary}. Either side may appeal once, by {when(ends)}; otherwise the ruling is final."
        alerts = self._to_arbitrator("closed", "Case decided by default", summary)
        step = self._step("lost_by_default", now, None, summary, alerts=alerts,
                          notices=self.notices_to_both("ruling", "Ruling by default", body))
        return self._advance(step, stage=S.RULED, ruling=ruling, ruled_at=now, appeal_ends_at=ends,
                             assignments=self._ended_assignments(now, "decided by default"))

    def _escalate(self: Dispute, now: dt.datetime) -> DisputeOutcome:
        if self.current_assignment is not None:
            outcome = self.reassign(now, "no ruling within the ruling SLA")
            return replace(outcome, step=replace(outcome.step, kind="escalated"))
        summary = f"No arbitrator was assigned within the ruling SLA ({when(self.ruling_due_at)})"
        step = self._step("escalated", now, None, summary,
                          alerts=self._to_operators("escalated", "Case needs an arbitrator", summary))
        return self._advance(step, ruling_due_at=None)

    def _make_final(self: Dispute, now: dt.datetime) -> DisputeOutcome:
        assert self.ruling is not None
        summary = f"The appeal window closed without an appeal: the ruling is final. {self.ruling.describe(self.held)}"
        step = self._step("final", now, None, summary,
                          notices=self.notices_to_both("final", "Ruling final", summary))
        return self._advance(step, stage=S.FINAL)
