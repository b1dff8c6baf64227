"""A new listing, as the API sends it (price as money) and as the form sends it (decimal text)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from domain.terms import MAX_TEXT, MAX_TITLE
from web.fields import CreditsText, MoneyIn, Text


class ListingBody(Schema):
    kind = fields.String(load_default="offer", validate=validate.OneOf(["offer", "want"]))
    title = Text(required=True, validate=validate.Length(min=3, max=MAX_TITLE))
    description = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    category = fields.String(required=True, validate=validate.Length(min=1, max=60))
    price = fields.Nested(MoneyIn, required=True)

    @post_load
    def _price_minor(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        price = data.pop("price")
        data["price_minor"] = price["amount_minor"] if isinstance(price, dict) else price
        return data


class ListingForm(ListingBody):
    class Meta:
        unknown = EXCLUDE

    price = CreditsText(required=True)


class SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="")
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))
