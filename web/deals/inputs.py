"""What a party may send with a proposal or an action, for the API (JSON) and the forms.

Each API body has a form twin that differs only where browsers send text: the price is a
decimal ("120.00") instead of `{"amount_minor", "currency"}`, and extra form fields (the CSRF
token) are ignored. Both load to the same plain dict that `commands` turns into messages.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from domain.deal_actions import MAX_NOTE
from domain.reviews import MAX_COMMENT
from domain.stages import Action
from domain.terms import MAX_TEXT
from web.fields import CreditsText, DueAt, MoneyIn, Score, Text


def _price_minor(data: dict[str, Any]) -> dict[str, Any]:
    price = data.pop("price", None)
    if price is not None:
        data["price_minor"] = price["amount_minor"] if isinstance(price, dict) else price
    return data


class Body(Schema):
    """An action without fields (accept, withdraw, fund, confirm)."""


class NoteBody(Body):
    note = Text(load_default="", validate=validate.Length(max=MAX_NOTE))


class ChangesBody(Body):
    note = Text(required=True, error_messages={"required": "Say what needs to change."},
                validate=validate.Length(min=1, max=MAX_NOTE, error="Say what needs to change."))


class ExtendBody(Body):
    delivery_due_at = DueAt(required=True)


class CounterBody(Body):
    price = fields.Nested(MoneyIn)
    delivery_due_at = DueAt()
    inspection_days = fields.Integer(strict=True)

    @post_load
    def _normalise(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return _price_minor(data)


class ReviewBody(Body):
    quality = Score()
    timeliness = Score()
    communication = Score()
    comment = Text(load_default="", validate=validate.Length(max=MAX_COMMENT))


class ProposalBody(Schema):
    listing_id = fields.Integer(required=True, strict=True)
    price = fields.Nested(MoneyIn, required=True)
    delivery_due_at = DueAt(required=True)
    inspection_days = fields.Integer(load_default=7, strict=True)
    acceptance_criteria = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    request_id = fields.String(validate=validate.Length(min=1, max=100))

    @post_load
    def _normalise(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return _price_minor(data)


ACTION_BODIES: dict[Action, type[Schema]] = {
    Action.COUNTER: CounterBody,
    Action.ACCEPT: Body,
    Action.DECLINE: NoteBody,
    Action.WITHDRAW: Body,
    Action.FUND: Body,
    Action.CANCEL: NoteBody,
    Action.EXTEND_DELIVERY: ExtendBody,
    Action.DELIVER: NoteBody,
    Action.CONFIRM: Body,
    Action.REQUEST_CHANGES: ChangesBody,
    Action.REVIEW: ReviewBody,
}


# ---- the forms' twins ---------------------------------------------------------------------
class _Form:
    class Meta:
        unknown = EXCLUDE


class CounterForm(_Form, CounterBody):
    price = CreditsText()
    inspection_days = fields.Integer()


class ProposalForm(_Form, ProposalBody):
    listing_id = fields.Integer()
    price = CreditsText(required=True)
    inspection_days = fields.Integer(load_default=7)
    request_id = fields.String(required=True, validate=validate.Length(min=1, max=100))


def action_form(action: Action) -> Schema:
    if action is Action.COUNTER:
        return CounterForm()
    body = ACTION_BODIES[action]
    return type(f"{body.__name__}Form", (_Form, body), {})()
