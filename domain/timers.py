"""The deal's clocks (ARCHITECTURE.md §3): defaults, per-deal overrides inside bounds, reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from domain.errors import TermsOutOfBounds

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TimerPolicy:
    offer_expiry: dt.timedelta = 7 * DAY
    funding_deadline: dt.timedelta = 3 * DAY
    rating_window: dt.timedelta = 14 * DAY
    reminder_lead: dt.timedelta = DAY

    def with_overrides(self, **overrides: dt.timedelta) -> TimerPolicy:
        """A per-deal policy; each override must stay inside the platform's bounds."""
        for name, value in overrides.items():
            low, high = TIMER_BOUNDS[name]
            if not low <= value <= high:
                raise TermsOutOfBounds(f"{name.replace('_', ' ')} must be between {low} and {high}", field=name)
        return replace(self, **overrides)

    def reminder_at(self, starts_at: dt.datetime, deadline: dt.datetime) -> dt.datetime:
        """A reminder `reminder_lead` before the deadline, or halfway through a short window."""
        lead = min(self.reminder_lead, (deadline - starts_at) / 2)
        return deadline - lead


TIMER_BOUNDS: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    "offer_expiry": (HOUR, 30 * DAY),
    "funding_deadline": (HOUR, 14 * DAY),
    "rating_window": (DAY, 30 * DAY),
    "reminder_lead": (dt.timedelta(minutes=5), 3 * DAY),
}
