"""Opening a dispute: by a party of the deal, while a delivery is being inspected, once per deal.

The dispute window is the inspection window (ARCHITECTURE.md §3): for a barter deal, that of
either side's delivery. After it, the delivery counts as accepted and only the platform can
reopen the deal. What the escrow holds at that moment is what the dispute decides about.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from domain.dispute_policy import DisputePolicy
from domain.dispute_stages import REASON_LABELS, DisputeReason, DisputeStage
from domain.dispute_steps import when
from domain.disputes import Dispute, DisputeOutcome
from domain.errors import AlreadyDone, DeadlinePassed, InvalidInput, InvalidTransition, NotADealParty
from domain.rulings import Held
from domain.stages import Stage

if TYPE_CHECKING:
    from domain.deal import Deal

MAX_DETAILS = 5_000
MAX_ASKED_FOR = 1_000
COMPLETED = (Stage.SETTLING, Stage.RATING, Stage.CLOSED)


def open_dispute(deal: Deal, opener_id: int, reason: DisputeReason | str, details: str, asked_for: str,
                 now: dt.datetime, policy: DisputePolicy | None = None,
                 previous: Dispute | None = None) -> DisputeOutcome:
    """A new dispute in settlement talks. `previous` is the deal's earlier dispute, if any."""
    if opener_id not in deal.parties:
        raise NotADealParty("only the two parties of a deal may open a dispute on it")
    if previous is not None:
        raise AlreadyDone(f"this deal was already disputed on {when(previous.opened_at)}; "
                          "only the platform can reopen it")
    check_dispute_window(deal, now)
    reason = _reason(reason)
    details, asked_for = _text(details, MAX_DETAILS, "details", "say what went wrong"), \
        _text(asked_for, MAX_ASKED_FOR, "asked_for", "say what outcome you ask for")
    policy = policy or DisputePolicy()
    talks_end = now + policy.settlement_talks
    dispute = Dispute(
        deal_id=deal.deal_id, deal_title=deal.terms.title, buyer_id=deal.buyer_id, seller_id=deal.seller_id,
        opened_by=opener_id, reason=reason, details=details, asked_for=asked_for, held=Held.of(deal),
        opened_at=now, stage=DisputeStage.SETTLEMENT_TALKS, policy=policy, stage_since=now,
        settlement_ends_at=talks_end,
    )
    side = dispute.side_name(opener_id)
    summary = f"The {side} opened a dispute: {REASON_LABELS[reason]}; asks for: {asked_for}"
    body = (f"{summary}. Their account: {details}\n\nSettlement talks run until {when(talks_end)}: "
            "make an offer, accept theirs or counter. Without agreement, each side then submits evidence.")
    step = dispute._step("dispute_opened", now, opener_id, summary,
                         notices=(dispute.notice_to(deal.other_party(opener_id), "dispute", "Dispute opened", body),))
    return dispute._advance(step)


def check_dispute_window(deal: Deal, now: dt.datetime) -> None:
    """Refuse unless a delivery of `deal` is under inspection with its window still open."""
    windows = [h.inspection_ends_at for h in deal.handovers if h.under_inspection and h.inspection_ends_at]
    if deal.stage is Stage.INSPECTION and not deal.is_barter and deal.inspection_ends_at:
        windows.append(deal.inspection_ends_at)
    if any(now < ends for ends in windows):
        return
    if windows or deal.stage in COMPLETED:
        closed = f" on {when(max(windows))}" if windows else ""
        raise DeadlinePassed(f"the inspection window closed{closed}: the delivery counts as accepted, "
                             "and only the platform can reopen the deal")
    raise InvalidTransition("a dispute can be opened only while a delivery is being inspected; "
                            f"this deal is {deal.stage.value.replace('_', ' ')}")


def _reason(reason: DisputeReason | str) -> DisputeReason:
    try:
        return DisputeReason(reason)
    except ValueError:
        raise InvalidInput("choose a reason from the list", field="reason") from None


def _text(text: str, limit: int, field: str, missing: str) -> str:
    if not text.strip():
        raise InvalidInput(missing, field=field)
    if len(text) > limit:
        raise InvalidInput(f"limited to {limit:,} characters", field=field)
    return text.strip()
