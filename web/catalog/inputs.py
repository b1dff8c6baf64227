"""A new listing, as the API sends it (price as money) and as the form sends it (decimal text)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from domain.money import CASH_CURRENCY, CREDITS
from domain.terms import MAX_TEXT, MAX_TITLE
from web.fields import AmountText, PriceIn, Text, form_price


class ListingBody(Schema):
    kind = fields.String(load_default="offer", validate=validate.OneOf(["offer", "want"]))
    title = Text(required=True, validate=validate.Length(min=3, max=MAX_TITLE))
    description = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    category = fields.String(required=True, validate=validate.Length(min=1, max=60))
    price = PriceIn()
    open_to_barter = fields.Boolean(load_default=False)

    @validates_schema
    def _priced(self, data: dict[str, Any], **_kwargs: Any) -> None:
        priced = any(data.get(name) for name in ("price", "price_cash", "price_credits"))  # API or form
        if not priced and not data.get("open_to_barter"):
            raise ValidationError("Give a price in cash, in credits or both, or open the listing to barter.",
                                  "price")


class ListingForm(ListingBody):
    """The form sends the cash and the credit part as two decimal fields."""

    class Meta:
        unknown = EXCLUDE

    price_cash = AmountText(CASH_CURRENCY)
    price_credits = AmountText(CREDITS)
    open_to_barter = fields.Boolean(load_default=False, truthy={"on", "true", "1"})

    @post_load
    def _price(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return form_price(data, required=False)


class SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="")
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))
