"""The deal's side of a dispute: it stops while the dispute runs, and executes how it ends.

Opening a dispute (the rules are in domain/dispute_opening.py) moves the deal to `disputed`:
no party action applies there (reviews stay frozen) and no deal timer runs, so the inspection
window cannot auto-confirm a delivery under dispute. The dispute ends in one of two ways:

- a final or agreed ruling: the deal executes it (domain/ruling_execution.py), completes and
  opens the rating window, as a confirmation would;
- withdrawn by its opener: the deal goes back where it stood, its inspection windows moved on
  by the time the dispute took, so nobody loses time to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from domain.dispute_fees import FeeCharge
from domain.dispute_opening import open_dispute
from domain.dispute_policy import DisputePolicy
from domain.disputes import Dispute, DisputeOutcome
from domain.errors import InvalidTransition
from domain.ledger import LedgerBatch
from domain.ruling_execution import fee_transfers, ruling_moves
from domain.rulings import Held, Ruling
from domain.stages import Stage

if TYPE_CHECKING:
    from domain.deal import Deal, Outcome


class DealDisputes:
    """Mixed into `Deal`."""

    def open_dispute(self: Deal, opener_id: int, reason: str, details: str, asked_for: str, now: dt.datetime,
                     policy: DisputePolicy | None = None,
                     previous: Dispute | None = None) -> tuple[Outcome, DisputeOutcome]:
        """The deal's step (now `disputed`) and the new dispute's first step."""
        opened = open_dispute(self, opener_id, reason, details, asked_for, now, policy, previous)
        # The dispute's own first step notifies the other side; the deal's timeline just says so.
        step = self._step("dispute_opened", now, opener_id, opened.step.summary)
        return self._advance(step, stage=Stage.DISPUTED, disputed_from=self.stage, disputed_at=now), opened

    @property
    def held_in_dispute(self: Deal) -> Held:
        return Held.of(self)

    def execute_ruling(self: Deal, ruling: Ruling, charges: tuple[FeeCharge, ...], now: dt.datetime,
                       how: str) -> Outcome:
        """Move the money as ruled (or agreed), complete the deal and open the rating window."""
        self._check_disputed()
        moves = ruling_moves(self, ruling, charges)
        fees = moves.describe()
        summary = f"{how}: {ruling.describe(Held.of(self))}" + (f"; {fees}" if fees else "")
        rating_ends = now + self.policy.rating_window
        notices = tuple(self.notice_to(party, "completed", "Dispute decided: deal completed",
                                       f"{summary}. Rate your partner by {rating_ends:%Y-%m-%d}.")
                        for party in self.parties)
        step = self._step("ruling_executed", now, None, summary, ledger=moves.ledger, notices=notices,
                          cash=moves.cash)
        return self._advance(step, stage=Stage.RATING, completed_at=now, rating_ends_at=rating_ends,
                             inspection_ends_at=None, disputed_from=None, fees_due=moves.from_account)

    def collect_dispute_fees(self: Deal, now: dt.datetime) -> Outcome:
        """Charge `fees_due` to the sides' credit accounts (the ledger refuses beyond a credit line)."""
        owed = ", ".join(f"{c.amount} from the {c.side.value}" for c in self.fees_due)
        step = self._step("dispute_fee_charged", now, None, f"Dispute fee charged to the credit account: {owed}",
                          ledger=LedgerBatch(transfers=fee_transfers(self, self.fees_due)))
        return self._advance(step, fees_due=())

    def dispute_fees_refused(self: Deal, now: dt.datetime, reason: str) -> Outcome:
        """The credit account could not take the fee: it is waived rather than hold the deal up."""
        owed = ", ".join(f"{c.amount} from the {c.side.value}" for c in self.fees_due)
        step = self._step("dispute_fee_waived", now, None, f"Dispute fee of {owed} waived: {reason}")
        return self._advance(step, fees_due=())

    def dispute_withdrawn(self: Deal, now: dt.datetime, summary: str) -> Outcome:
        """Back to where the deal stood, its inspection windows moved on by the dispute's length."""
        self._check_disputed()
        assert self.disputed_from is not None and self.disputed_at is not None
        paused = now - self.disputed_at
        handovers = tuple(replace(h, inspection_ends_at=h.inspection_ends_at + paused)
                          if h.under_inspection and h.inspection_ends_at else h for h in self.handovers)
        ends = self.inspection_ends_at + paused if self.inspection_ends_at else None
        step = self._step("dispute_withdrawn", now, None, f"{summary}; the deal continues where it stood")
        return self._advance(step, stage=self.disputed_from, disputed_from=None, inspection_ends_at=ends,
                             handovers=handovers)

    def _check_disputed(self: Deal) -> None:
        if self.stage is not Stage.DISPUTED:
            raise InvalidTransition(f"the deal is {self.stage.value.replace('_', ' ')}, not disputed")
