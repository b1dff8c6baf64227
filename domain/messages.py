"""A deal's message thread: who writes and who reads it, what one message may hold, and how
long a finished deal's thread stays open.

The thread is part of the deal's record (and of a dispute's evidence pack), so messages are
never edited or deleted. Either party writes in any stage; once the deal has ended (declined,
expired, cancelled or closed) the thread stays open for `OPEN_AFTER_END` — long enough for the
follow-up a finished trade needs — and is read only after that. Standard library only; time
is passed in.
"""

from __future__ import annotations

import datetime as dt

from domain.deal import Deal
from domain.errors import DeadlinePassed, InvalidInput, NotADealParty
from domain.stages import FINAL_STAGES

MAX_MESSAGE = 5_000
OPEN_AFTER_END = dt.timedelta(days=30)
EXCERPT = 200  # of a message, in the other party's notification


class ThreadClosed(DeadlinePassed):
    """A finished deal's thread takes messages for 30 days after the deal ended, then is read only."""

    code = "thread_closed"


def message_text(text: str) -> str:
    """The message as stored: trimmed, not empty, at most `MAX_MESSAGE` characters."""
    body = text.strip()
    if not body:
        raise InvalidInput("Write a message first.", field="body")
    if len(body) > MAX_MESSAGE:
        raise InvalidInput(f"A message is at most {MAX_MESSAGE:,} characters; this one has {len(body):,}.",
                           field="body")
    return body


def thread_closes_at(deal: Deal) -> dt.datetime | None:
    """When the thread stops taking messages; None while the deal runs."""
    if deal.stage not in FINAL_STAGES or deal.stage_since is None:
        return None
    return deal.stage_since + OPEN_AFTER_END


def check_may_post(deal: Deal, author_id: int, now: dt.datetime) -> None:
    if author_id not in deal.parties:
        raise NotADealParty("only the two parties of a deal write in its thread")
    closes = thread_closes_at(deal)
    if closes is not None and now >= closes:
        raise ThreadClosed(f"this deal ended on {deal.stage_since:%Y-%m-%d}; its message thread closed on "
                           f"{closes:%Y-%m-%d} and can only be read")


def excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1].rstrip() + "…"
