"""Input fields shared by HTML forms and the JSON API: text, credit amounts, due dates.

Forms send amounts as decimal text ("120.00") and dates as "YYYY-MM-DD"; the API sends
`{"amount_minor": 12000, "currency": "CRD"}` and ISO dates or datetimes. Both end as the same
values (an int of minor units, an aware datetime), so one builder turns either into commands.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from domain.money import CREDITS

MAX_CREDITS_MINOR = 1_000_000_00  # 1,000,000.00 CRD: larger is a typo, not a trade
DUE_HOUR_UTC = 17  # a due *date* means the end of that working day
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_credit_amount(minor: int) -> int:
    if minor <= 0:
        raise ValidationError("Enter an amount greater than zero.")
    if minor > MAX_CREDITS_MINOR:
        raise ValidationError("The largest amount is 1,000,000.00 credits.")
    return minor


class Text(fields.String):
    """Trimmed text without control characters (PostgreSQL refuses NUL bytes outright)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Remove the control characters from this text.")
        return text.strip()


class CreditsText(fields.Field):
    """A credit amount typed as a decimal ("120", "120.5", "120.00") → minor units."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip().replace(" ", "")
        try:
            amount = Decimal(text)
        except InvalidOperation as error:
            raise ValidationError("Enter an amount like 120.00.") from error
        if not amount.is_finite() or not re.fullmatch(r"-?\d+(\.\d*)?|-?\.\d+", text):
            raise ValidationError("Enter an amount like 120.00.")
        if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
            raise ValidationError("Credits have at most two decimals.")
        return check_credit_amount(int(amount * 100))


class MoneyIn(Schema):
    """A price in the API: an integer of minor units and the currency (credits only, so far)."""

    amount_minor = fields.Integer(required=True, strict=True, validate=check_credit_amount)
    currency = fields.String(required=True, validate=validate.OneOf([CREDITS]))


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
