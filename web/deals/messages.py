"""The deal's message thread, shared by the deal page, the arbitrator's case page and the API:
who may read it, what a post carries, and the one way a message is sent.

The parties read and write. Once a deal is disputed, the arbitrators assigned to the case
(and the operators, who may read any case) read it too, as they read the evidence; staff never
write in it. Messages do not change the deal, so they are written here, not through its
workflow: a message needs no timer and must not wait on Temporal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from domain.deal import Deal
from domain.messages import MAX_MESSAGE, check_may_post, message_text, thread_closes_at
from integrations.db import queries
from integrations.db.deal_messages import MessageView, post_message, thread
from integrations.db.queries.disputes import Viewer, may_view
from web.auth.identity import SignedInUser
from web.db import db
from web.deals.ids import new_request_id
from web.fields import Text

WRITE_FIRST = "Write a message first."


class MessageBody(Schema):
    body = Text(required=True, error_messages={"required": WRITE_FIRST}, validate=validate.Length(
        min=1, max=MAX_MESSAGE, error=f"Write a message of 1 to {MAX_MESSAGE:,} characters."))
    request_id = fields.String(validate=validate.Length(min=1, max=100))


class MessageForm(MessageBody):
    """The deal page's form: its request id was generated when the page was rendered, so a
    double submit posts one message."""

    class Meta:
        unknown = EXCLUDE

    request_id = fields.String(required=True, validate=validate.Length(min=1, max=100))


def readable_thread(deal_id: str, user: SignedInUser) -> list[MessageView] | None:
    """The thread if this user may read it; None (the web's 404) otherwise."""
    if user.is_member:
        allowed = queries.deal_state_for_party(db(), deal_id, user.business_id) is not None
    else:
        allowed = may_view(db(), deal_id, Viewer(user.id, user.role, user.business_id))
    return thread(db(), deal_id) if allowed else None


def send_message(deal: Deal, user: SignedInUser, data: dict[str, Any], request_id: str,
                 now: dt.datetime) -> MessageView:
    """Refused with the rule's reason (409) when the thread is closed, 422 for a bad body."""
    check_may_post(deal, user.business_id, now)
    sent = post_message(db(), deal, user.business_id, user.id, message_text(data["body"]), request_id, now)
    db().commit()
    return sent


def thread_panel(deal: Deal, now: dt.datetime, values: dict[str, str] | None = None,
                 errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """What the deal page's thread section shows: the messages, whether it takes more, the form."""
    return {"thread": thread(db(), deal.deal_id), **thread_status(deal, now),
            "form_values": values or {"request_id": new_request_id()}, "form_errors": errors or {}}


def thread_status(deal: Deal, now: dt.datetime) -> dict[str, Any]:
    """Whether the thread takes messages now, and until when once the deal has ended."""
    closes = thread_closes_at(deal)
    return {"open": closes is None or now < closes, "closes_at": closes}
