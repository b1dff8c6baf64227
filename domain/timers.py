"""The deal's clocks (ARCHITECTURE.md §3): defaults, per-deal overrides inside bounds, reminders.

Durations are whole seconds so the policy crosses Temporal's JSON converter as plain numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from domain.errors import TermsOutOfBounds

HOUR = 3_600
DAY = 24 * HOUR


@dataclass(frozen=True)
class TimerPolicy:
    offer_expiry_s: int = 7 * DAY
    funding_deadline_s: int = 3 * DAY
    rating_window_s: int = 14 * DAY
    reminder_lead_s: int = DAY

    @property
    def offer_expiry(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.offer_expiry_s)

    @property
    def funding_deadline(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.funding_deadline_s)

    @property
    def rating_window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.rating_window_s)

    def with_overrides(self, **overrides: dt.timedelta) -> TimerPolicy:
        """A per-deal policy; each override must stay inside the platform's bounds."""
        seconds = {}
        for name, value in overrides.items():
            low, high = TIMER_BOUNDS[name]
            if not dt.timedelta(seconds=low) <= value <= dt.timedelta(seconds=high):
                raise TermsOutOfBounds(
                    f"{name.replace('_', ' ')} must be between {dt.timedelta(seconds=low)} "
                    f"and {dt.timedelta(seconds=high)}", field=name)
            seconds[f"{name}_s"] = int(value.total_seconds())
        return replace(self, **seconds)

    def reminder_at(self, starts_at: dt.datetime, deadline: dt.datetime) -> dt.datetime:
        """A reminder `reminder_lead` before the deadline, or halfway through a short window."""
        lead = min(dt.timedelta(seconds=self.reminder_lead_s), (deadline - starts_at) / 2)
        return deadline - lead


TIMER_BOUNDS: dict[str, tuple[int, int]] = {
    "offer_expiry": (HOUR, 30 * DAY),
    "funding_deadline": (HOUR, 14 * DAY),
    "rating_window": (DAY, 30 * DAY),
    "reminder_lead": (300, 3 * DAY),
}
