"""The deal's timers: which deadline or reminder is next, and what happens when it is due.

The workflow sleeps until `next_alarm_at()` (or until a party acts), then calls `on_clock(now)`
repeatedly until it returns None. Alarms are keyed by name and time, so a restarted
inspection window gets fresh reminders while a fired one never fires twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from domain.stages import Stage

if TYPE_CHECKING:
    from domain.deal import Deal, Outcome


@dataclass(frozen=True)
class Alarm:
    name: str
    at: dt.datetime
    is_reminder: bool

    @property
    def key(self) -> str:
        return f"{self.name}@{self.at.isoformat()}"


class DealClock:
    """Mixed into `Deal`."""

    def alarms(self: Deal) -> tuple[Alarm, ...]:
        """The alarms of the current stage, reminders first."""
        window = {
            Stage.PROPOSED: ("offer", self.offered_at, self.offer_expires_at),
            Stage.FUNDING: ("funding", self.stage_since, self.funding_due_at),
            Stage.IN_DELIVERY: ("delivery", self.stage_since, self.terms.delivery_due_at),
            Stage.INSPECTION: ("inspection", self.delivered_at, self.inspection_ends_at),
            Stage.RATING: ("rating", self.completed_at, self.rating_ends_at),
        }.get(self.stage)
        alarms: list[Alarm] = []
        if window is not None and window[1] is not None and window[2] is not None:
            name, starts, ends = window
            reminder = self.policy.reminder_at(starts, ends)
            alarms.append(Alarm(name, ends, is_reminder=False))
            if reminder > starts:
                alarms.insert(0, Alarm(f"{name}_reminder", reminder, is_reminder=True))
        if self.is_barter and self.stage is not Stage.DISPUTED:
            alarms.extend(self.handover_alarms())
        return tuple(a for a in alarms if a.key not in self.alarms_done)

    def next_alarm_at(self: Deal) -> dt.datetime | None:
        pending = self.alarms()
        return min(a.at for a in pending) if pending else None

    def on_clock(self: Deal, now: dt.datetime) -> Outcome | None:
        """Fire the earliest alarm that is due, if any."""
        due = [a for a in self.alarms() if a.at <= now]
        if not due:
            return None
        alarm = min(due, key=lambda a: a.at)
        if alarm.name.startswith("handover_"):
            outcome = self._handover_alarm(alarm, now)
        else:
            outcome = self._remind(alarm, now) if alarm.is_reminder else self._deadline(alarm, now)
        marked = replace(outcome.deal, alarms_done=outcome.deal.alarms_done + (alarm.key,))
        return replace(outcome, deal=marked)

    def _who_must_act(self: Deal) -> tuple[int, ...]:
        if self.stage is Stage.PROPOSED:
            return (self.other_party(self.offered_by),)
        if self.stage in (Stage.FUNDING, Stage.INSPECTION):
            return (self.buyer_id,)
        if self.stage is Stage.IN_DELIVERY and self.is_barter:
            return tuple(self._provider_id(h.provider) for h in self.handovers if h.delivered_at is None)
        if self.stage is Stage.IN_DELIVERY:
            return (self.seller_id,)
        return tuple(p for p in self.parties if not any(r.author_id == p for r in self.reviews))

    def _remind(self: Deal, alarm: Alarm, now: dt.datetime) -> Outcome:
        (label, at), = self.stage_deadlines().items()
        text = f"Reminder: {label} {at:%Y-%m-%d %H:%M} UTC"
        notices = tuple(self.notice_to(p, "reminder", text) for p in self._who_must_act())
        step = self._step("reminder", now, None, text, notices=notices)
        return self._advance(step)

    def _deadline(self: Deal, alarm: Alarm, now: dt.datetime) -> Outcome:
        if self.stage is Stage.PROPOSED:
            step = self._step("expired", now, None, "The offer expired without an answer",
                              notices=tuple(self.notice_to(p, "expired", "Offer expired") for p in self.parties))
            return self._advance(step, stage=Stage.EXPIRED)
        if self.stage is Stage.FUNDING:
            return self._cancelled(now, None, "Cancelled: escrow was not funded by the deadline", Stage.CANCELLED)
        if self.stage is Stage.INSPECTION:
            return self._settle(now, None, "Inspection window ended without objection: delivery accepted")
        if self.stage is Stage.RATING:
            return self._close(now, None, self.reviews, "The rating window closed; reviews are now visible")
        text = "The delivery date has passed: you may extend it or cancel for a full refund"
        waiting = (self.buyer_id,)
        if self.is_barter:
            text = "The delivery date has passed: you may extend it or cancel the deal"
            waiting = tuple(self.other_party(p) for p in self._who_must_act())
        step = self._step("delivery_overdue", now, None, "Delivery is overdue",
                          notices=tuple(self.notice_to(p, "overdue", "Delivery overdue", text) for p in waiting))
        return self._advance(step)

