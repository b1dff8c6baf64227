"""Settlement talks: the parties try to agree before anyone else decides.

During the settlement window either party may offer a settlement — a proposed `Ruling`, such
as "refund 30 % of the cash and 50 % of the credits". A newer offer, from either side,
replaces the one before it (that is how a party counters). The other side accepting the live
offer ends the dispute as settled, executed exactly as a ruling would be. Accepting names the
offer's number, so a page showing an offer that has since been replaced cannot accept it.
The opener may also withdraw the dispute, until a ruling is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from domain.dispute_stages import DisputeAction, DisputeStage
from domain.dispute_steps import when
from domain.errors import InvalidInput, InvalidTransition
from domain.rulings import Ruling

if TYPE_CHECKING:
    from domain.disputes import Dispute, DisputeOutcome

MAX_NOTE = 2_000


@dataclass(frozen=True)
class SettlementOffer:
    number: int  # 1, 2, ... in the order made
    by: int
    at: dt.datetime
    ruling: Ruling  # its reasons are the offering party's message


class SettlementTalks:
    """Mixed into `Dispute`."""

    @property
    def live_offer(self: Dispute) -> SettlementOffer | None:
        """The offer that can be accepted now: the latest, while talks run."""
        if self.stage is not DisputeStage.SETTLEMENT_TALKS or not self.offers:
            return None
        return self.offers[-1]

    def offer_settlement(self: Dispute, actor_id: int, ruling: Ruling, now: dt.datetime) -> DisputeOutcome:
        self.check(DisputeAction.OFFER_SETTLEMENT, actor_id, now)
        if ruling.default_loser is not None:
            raise InvalidInput("a settlement offer cannot declare a loss by default", field="ruling")
        ruling.validate(self.held)
        live = self.live_offer
        offer = SettlementOffer(len(self.offers) + 1, actor_id, now, ruling)
        verb = "counters with" if live is not None and live.by != actor_id else "offers"
        summary = (f"The {self.side_name(actor_id)} {verb} settlement #{offer.number}: "
                   f"{ruling.describe(self.held)}")
        body = (f"{summary}. Their message: {ruling.reasons}\n\nAccept it, or counter with your own "
                f"offer, by {when(self.settlement_ends_at)}.")
        step = self._step("settlement_offered", now, actor_id, summary,
                          notices=(self.notice_to(self.other_party(actor_id), "settlement", "Settlement offer",
                                                  body),))
        return self._advance(step, offers=self.offers + (offer,))

    def accept_settlement(self: Dispute, actor_id: int, offer_number: int, now: dt.datetime) -> DisputeOutcome:
        live = self.live_offer
        # A replaced offer is off the table, whoever replaced it: say so before "you made this offer".
        if actor_id in self.parties and live is not None and offer_number != live.number:
            raise InvalidTransition(f"offer #{offer_number} was replaced by offer #{live.number}; "
                                    "read it before accepting")
        after = self.check(DisputeAction.ACCEPT_SETTLEMENT, actor_id, now)
        assert live is not None  # check() refuses when there is none
        offerer, accepter = self.side_name(live.by), self.side_name(actor_id)
        agreed = replace(live.ruling, reasons=f"Settled by agreement: the {offerer}'s offer #{live.number} "
                                              f"was accepted by the {accepter}. {live.ruling.reasons}")
        summary = f"Settled: the {accepter} accepted offer #{live.number}: {agreed.describe(self.held)}"
        step = self._step("settled", now, actor_id, summary,
                          notices=self.notices_to_both("settled", "Dispute settled", summary))
        return self._advance(step, stage=after, ruling=agreed, ruled_at=now)

    def withdraw(self: Dispute, actor_id: int, now: dt.datetime, note: str = "") -> DisputeOutcome:
        """The opener drops the dispute: the deal goes on from where it stood, with no fee."""
        after = self.check(DisputeAction.WITHDRAW, actor_id, now)
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"notes are limited to {MAX_NOTE} characters", field="note")
        summary = f"The {self.side_name(actor_id)} withdrew the dispute" + (f": {note.strip()}" if note.strip() else "")
        alerts = self._to_arbitrator("withdrawn", "Dispute withdrawn", f"{summary}. The case is closed.")
        step = self._step("dispute_withdrawn", now, actor_id, summary, alerts=alerts,
                          notices=(self.notice_to(self.other_party(actor_id), "withdrawn", "Dispute withdrawn",
                                                  f"{summary}. The deal continues where it stood."),))
        return self._advance(step, stage=after, assignments=self._ended_assignments(now, "dispute withdrawn"),
                             ruling_due_at=None)
