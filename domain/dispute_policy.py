"""A dispute's clocks (ARCHITECTURE.md §3), evidence limits and fees, in one policy.

Durations are whole seconds so the policy crosses Temporal's JSON converter as plain numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from domain.dispute_fees import AppealFeeRule, DisputeFeeRule
from domain.errors import InvalidInput
from domain.evidence import EvidenceRules

HOUR = 3_600
DAY = 24 * HOUR


@dataclass(frozen=True)
class DisputePolicy:
    settlement_talks_s: int = 5 * DAY
    evidence_s: int = 7 * DAY
    ruling_sla_s: int = 5 * DAY  # from the close of evidence, or from a later assignment
    appeal_window_s: int = 3 * DAY
    # Each deadline is preceded by one reminder per lead, to whoever must act before it.
    reminder_leads_s: tuple[int, ...] = (DAY, 3 * HOUR)
    evidence: EvidenceRules = field(default_factory=EvidenceRules)
    fee: DisputeFeeRule = field(default_factory=DisputeFeeRule)
    appeal_fee: AppealFeeRule = field(default_factory=AppealFeeRule)

    @property
    def settlement_talks(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settlement_talks_s)

    @property
    def evidence_window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.evidence_s)

    @property
    def ruling_sla(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.ruling_sla_s)

    @property
    def appeal_window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.appeal_window_s)

    @classmethod
    def with_windows(cls, spec: str) -> DisputePolicy:
        """A policy with other windows, in seconds: `settlement=5,evidence=20,ruling=3600,appeal=5`
        (a demo or test stack that cannot wait days; any window left out keeps its default)."""
        names = {"settlement": "settlement_talks_s", "evidence": "evidence_s", "ruling": "ruling_sla_s",
                 "appeal": "appeal_window_s"}
        windows = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, _, seconds = part.partition("=")
            if name.strip() not in names or not seconds.strip().isdigit() or int(seconds) <= 0:
                raise InvalidInput(f"dispute windows are name=seconds with names {', '.join(names)}: {part!r}",
                                   field="dispute_windows")
            windows[names[name.strip()]] = int(seconds)
        return cls(**windows)

    def reminders(self, starts_at: dt.datetime, deadline: dt.datetime) -> tuple[dt.datetime, ...]:
        """The reminder times before `deadline`; a lead longer than the window has no reminder."""
        times = {deadline - dt.timedelta(seconds=lead) for lead in self.reminder_leads_s}
        return tuple(sorted(t for t in times if starts_at < t < deadline))
