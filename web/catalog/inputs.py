"""What the catalog takes in: a new listing (price as money from the API, decimal text from the form)
and a search with its filters."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from domain.money import CASH_CURRENCY, CREDITS
from domain.terms import MAX_TEXT, MAX_TITLE
from integrations.db.queries.catalog_search import PAYMENT_MODELS, SORTS
from web.fields import AmountText, PriceIn, Text, form_price

DELIVERY_MODES = ("remote", "on_site")
MAX_LEAD_TIME_DAYS = 365
MAX_PRICE_FILTER = 10**12  # minor units; far above any listing's price, small enough for BIGINT


class ListingBody(Schema):
    kind = fields.String(load_default="offer", validate=validate.OneOf(["offer", "want"]))
    title = Text(required=True, validate=validate.Length(min=3, max=MAX_TITLE))
    description = Text(load_default="", validate=validate.Length(max=MAX_TEXT))
    category = fields.String(required=True, validate=validate.Length(min=1, max=60))
    price = PriceIn()
    open_to_barter = fields.Boolean(load_default=False)
    delivery_mode = fields.String(load_default="remote", validate=validate.OneOf(DELIVERY_MODES))
    city = Text(load_default="", validate=validate.Length(max=80))
    lead_time_days = fields.Integer(load_default=14, strict=False,
                                    validate=validate.Range(0, MAX_LEAD_TIME_DAYS))

    @validates_schema
    def _on_site_somewhere(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("delivery_mode") == "on_site" and not (data.get("city") or "").strip():
            raise ValidationError("Say in which city the work is done on site.", "city")

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
    """Search and filters, as the API takes them: prices in minor units of `currency`."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="")
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    kind = fields.String(validate=validate.OneOf(["offer", "want"]))
    category = fields.String(validate=validate.Length(max=60), metadata={"description": "a slug; includes its subcategories"})
    currency = fields.String(load_default=CASH_CURRENCY, validate=validate.OneOf([CASH_CURRENCY, CREDITS]))
    price_min = fields.Integer(validate=validate.Range(0, MAX_PRICE_FILTER))
    price_max = fields.Integer(validate=validate.Range(0, MAX_PRICE_FILTER))
    payment = fields.List(fields.String(validate=validate.OneOf(PAYMENT_MODELS)), load_default=list)
    delivery = fields.String(validate=validate.OneOf(DELIVERY_MODES),
                             metadata={"description": "remote only, or on site only; with `city`, remote "
                                                      "ones and those on site in that city"})
    city = fields.String(load_default="", validate=validate.Length(max=80))
    min_rating = fields.Float(validate=validate.Range(1, 5), allow_nan=False)
    verified = fields.Boolean(load_default=False,
                              metadata={"description": "only businesses that passed verification (KYB)"})
    sort = fields.String(validate=validate.OneOf(SORTS),
                         metadata={"description": "relevance (the default with `q`), else newest"})

    @validates_schema
    def _price_range(self, data: dict[str, Any], **_kwargs: Any) -> None:
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("The lowest price must not be above the highest.", "price_min")


class SearchForm(SearchArgs):
    """The search page sends prices as decimal text (120.50) and blank fields for "any"."""

    price_min = fields.Decimal(places=2, validate=validate.Range(0, MAX_PRICE_FILTER // 100), allow_nan=False)
    price_max = fields.Decimal(places=2, validate=validate.Range(0, MAX_PRICE_FILTER // 100), allow_nan=False)

    @pre_load
    def _blank_is_any(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value not in ("", None)}

    @post_load
    def _minor_units(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        for name in ("price_min", "price_max"):
            if data.get(name) is not None:
                data[name] = int(data[name] * 100)
        return data


class CategoryChange(Schema):
    """Rename or move a category: a blank parent makes it a top-level category."""

    class Meta:
        unknown = EXCLUDE

    name = Text(required=True, validate=validate.Length(min=2, max=80))
    parent = fields.String(load_default="", validate=validate.Length(max=60))


class NewCategory(CategoryChange):
    slug = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Lowercase letters, digits and single dashes, like web-design."))

    @pre_load
    def _short_slug(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if len(data.get("slug") or "") > 60:
            raise ValidationError("At most 60 characters.", "slug")
        return data
