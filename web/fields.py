"""Input fields shared by HTML forms and the JSON API: text, amounts and prices, due dates.

Forms send amounts as decimal text ("120.00") and dates as "YYYY-MM-DD"; the API sends
`{"amount_minor": 12000, "currency": "CRD"}` and ISO dates or datetimes. Both end as the same
values (an int of minor units, an aware datetime), so one builder turns either into commands.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from domain.money import CREDITS, EUR, Money

MAX_AMOUNT_MINOR = 1_000_000_00  # 1,000,000.00 of any currency: larger is a typo, not a trade
CURRENCY_NAMES = {CREDITS: "credits", EUR: "euros"}
DUE_HOUR_UTC = 17  # a due *date* means the end of that working day
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_amount(minor: int, currency: str = CREDITS) -> int:
    if minor <= 0:
        raise ValidationError("Enter an amount greater than zero.")
    if minor > MAX_AMOUNT_MINOR:
        raise ValidationError(f"The largest amount is 1,000,000.00 {CURRENCY_NAMES[currency]}.")
    return minor


class Text(fields.String):
    """Trimmed text without control characters (PostgreSQL refuses NUL bytes outright)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Remove the control characters from this text.")
        return text.strip()


class AmountText(fields.Field):
    """An amount typed as a decimal ("120", "120.5", "120.00") → `Money` in `currency`."""

    def __init__(self, currency: str = CREDITS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.currency = currency

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Money:
        text = str(value).strip().replace(" ", "")
        try:
            amount = Decimal(text)
        except InvalidOperation as error:
            raise ValidationError("Enter an amount like 120.00.") from error
        if not amount.is_finite() or not re.fullmatch(r"-?\d+(\.\d*)?|-?\.\d+", text):
            raise ValidationError("Enter an amount like 120.00.")
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(f"Amounts in {CURRENCY_NAMES[self.currency]} have at most two decimals.")
        return Money(check_amount(int(amount * 100), self.currency), self.currency)


class CreditsText(AmountText):
    """A credit amount typed as a decimal → an int of minor units."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        return super()._deserialize(value, attr, data, **kwargs).amount_minor


check_credit_amount = check_amount


class MoneyIn(Schema):
    """An amount in the API: an integer of minor units and the currency (credits or euros)."""

    amount_minor = fields.Integer(required=True, strict=True)
    currency = fields.String(required=True, validate=validate.OneOf(list(CURRENCY_NAMES)))

    @validates_schema
    def _in_range(self, data: dict[str, Any], **_kwargs: Any) -> None:
        try:
            check_amount(data["amount_minor"], data["currency"])
        except ValidationError as error:
            raise ValidationError(error.messages, "amount_minor") from error

    @post_load
    def _money(self, data: dict[str, Any], **_kwargs: Any) -> Money:
        return Money(data["amount_minor"], data["currency"])


class PriceIn(fields.Field):
    """A price in the API: one amount, or a list of amounts in different currencies (a hybrid
    price is cash and credits) → a tuple of `Money`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[Money, ...]:
        items = value if isinstance(value, list) else [value]
        if not 1 <= len(items) <= len(CURRENCY_NAMES):
            raise ValidationError("Give one amount, or one per currency (cash and credits).")
        try:
            amounts = tuple(MoneyIn().load(item) for item in items)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        if len({a.currency for a in amounts}) != len(amounts):
            raise ValidationError("Give at most one amount per currency.")
        return amounts


def form_price(data: dict[str, Any], required: bool = True) -> dict[str, Any]:
    """The forms' twin of `PriceIn`: `price_cash` and `price_credits` fields → `price`."""
    amounts = tuple(data.pop(name) for name in ("price_cash", "price_credits") if name in data)
    if amounts:
        data["price"] = amounts
    elif required:
        raise ValidationError({"price": ["Enter a price in cash, in credits, or both."]})
    return data


class DueAt(fields.Field):
    """A date ("2026-12-01", due at 17:00 UTC that day) or an ISO datetime (naive = UTC)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        text = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = dt.date.fromisoformat(text)
                return dt.datetime.combine(day, dt.time(DUE_HOUR_UTC), tzinfo=dt.UTC)
            moment = dt.datetime.fromisoformat(text)
        except ValueError as error:
            raise ValidationError("Enter a date like 2030-12-31 (or an ISO date and time).") from error
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class Score(fields.Integer):
    """A review score from 1 to 5."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=True, validate=validate.Range(1, 5, error="Give a score from 1 to 5."),
                         **kwargs)


def form_data(form: Any) -> dict[str, str]:
    """An HTML form as a dict, leaving out empty fields so that they count as missing."""
    return {key: value for key, value in form.items() if str(value).strip() != ""}
