"""What a party may send with a proposal or an action, for the API (JSON) and the forms.

Each API body has a form twin that differs only where browsers send text: the price is two
decimal fields (`price_cash`, `price_credits`: "120.00") instead of `{"amount_minor",
"currency"}` or a list of them, and extra form fields (the CSRF token) are ignored. Both load
to the same plain dict (`price` a tuple of `Money`) that `commands` turns into messages.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from domain.deal_actions import MAX_NOTE
from domain.money import CASH_CURRENCY, CREDITS
from domain.reviews import MAX_COMMENT
from domain.stages import Action
from domain.terms import MAX_TEXT, Role
from web.fields import AmountText, DueAt, MoneyIn, PriceIn, Score, Text, form_price

# The cards the local Stripe server knows. With real Stripe the fund form would collect a card
# with Stripe Elements and send its PaymentMethod id in the same field.
TEST_CARDS = (("pm_card_visa", "Visa •••• 4242 (test card)"),
              ("pm_card_chargeDeclined", "Visa •••• 0002 (test card that is declined)"))


class Body(Schema):
    """An action without fields (accept, withdraw, fund, confirm)."""


class NoteBody(Body):
    note = Text(load_default="", validate=validate.Length(max=MAX_NOTE))


class ChangesBody(Body):
    note = Text(required=True, error_messages={"required": "Say what needs to change."},
                validate=validate.Length(min=1, max=MAX_NOTE, error="Say what needs to change."))


class ExtendBody(Body):
    delivery_due_at = DueAt(required=True)


class FundBody(Body):
    payment_method = fields.String(load_default="pm_card_visa", validate=validate.Regexp(
        r"^pm_[A-Za-z0-9_]{1,100}$", error="Choose a card (a Stripe PaymentMethod id, pm_…)."))


class CounterBody(Body):
    """What a counter-offer may change; a field left out keeps its current value. The acceptance
    criteria are those of the seller's service (`barter_criteria`: the buyer's service, in a
    barter) — what the receiving side will inspect the delivery against."""

    price = PriceIn()
    delivery_due_at = DueAt()
    inspection_days = fields.Integer(strict=True)
    acceptance_criteria = Text(validate=validate.Length(max=MAX_TEXT))
    barter_criteria = Text(validate=validate.Length(max=MAX_TEXT))


class ReviewBody(Body):
    quality = Score()
    timeliness = Score()
    communication = Score()
    comment = Text(load_default="", validate=validate.Length(max=MAX_COMMENT))


class ServiceIn(Schema):
    """Barter: the service the other side of the listing delivers in return."""

    description = Text(required=True, validate=validate.Length(min=1, max=MAX_TEXT))
    acceptance_criteria = Text(load_default="", validate=validate.Length(max=MAX_TEXT))


class ProposalBody(Schema):
    """A proposal on a listing: a price (cash, credits or both), or a service in return
    (barter) with an optional balancing payment and performance bond."""

    listing_id = fields.Integer(required=True, strict=True)
    price = PriceIn()
    delivery_due_at = DueAt(required=True)
    inspection_days = fields.Integer(load_default=7, strict=True)
    acceptance_criteria = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    request_id = fields.String(validate=validate.Length(min=1, max=100))
    barter = fields.Nested(ServiceIn)
    balance_paid_by = fields.String(load_default=Role.BUYER.value, validate=validate.OneOf([r.value for r in Role]))
    bond = fields.Nested(MoneyIn)

    @validates_schema
    def _priced(self, data: dict[str, Any], **_kwargs: Any) -> None:
        priced = any(data.get(name) for name in ("price", "price_cash", "price_credits"))  # API or form
        barter = data.get("barter") or data.get("barter_description")
        bond = data.get("bond") or data.get("bond_credits")
        if not priced and not barter:
            raise ValidationError("Give a price in cash, in credits or both, or a service in return.", "price")
        if bond and not barter:
            raise ValidationError("A performance bond is for barter deals.", "bond")
        if bond and bond.currency != CREDITS:
            raise ValidationError("A performance bond is posted in credits.", "bond")


ACTION_BODIES: dict[Action, type[Schema]] = {
    Action.COUNTER: CounterBody,
    Action.ACCEPT: Body,
    Action.DECLINE: NoteBody,
    Action.WITHDRAW: Body,
    Action.FUND: FundBody,
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


class _PriceFields:
    price_cash = AmountText(CASH_CURRENCY)
    price_credits = AmountText(CREDITS)


class CounterForm(_Form, _PriceFields, CounterBody):
    class Meta(_Form.Meta):
        exclude = ("price",)  # the form sends its parts

    inspection_days = fields.Integer()

    @post_load
    def _price(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return form_price(data, required=False)


class ProposalForm(_Form, _PriceFields, ProposalBody):
    """Barter comes as flat fields (`barter_description`, `barter_criteria`, `bond_credits`)."""

    class Meta(_Form.Meta):
        exclude = ("price", "barter", "bond")  # the form sends flat parts, nested by `_nest`

    listing_id = fields.Integer()
    inspection_days = fields.Integer(load_default=7)
    request_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    barter_description = Text(validate=validate.Length(max=MAX_TEXT))
    barter_criteria = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    bond_credits = AmountText(CREDITS)

    @post_load
    def _nest(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        description, criteria = data.pop("barter_description", ""), data.pop("barter_criteria", "")
        if description:
            data["barter"] = {"description": description, "acceptance_criteria": criteria}
        if "bond_credits" in data:
            data["bond"] = data.pop("bond_credits")
        return form_price(data, required=False)


def action_form(action: Action) -> Schema:
    if action is Action.COUNTER:
        return CounterForm()
    body = ACTION_BODIES[action]
    return type(f"{body.__name__}Form", (_Form, body), {})()
