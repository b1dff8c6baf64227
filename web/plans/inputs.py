"""What a member sends to choose a plan, and what an admin sends to edit one (forms and API).

A form types percentages and amounts as decimal text ("2.50", "29.00"); the API sends basis
points and integer minor units. Both load to the same dict of the domain's field names
(`commission_bps`, `minimum_fee_minor`, `monthly_price_minor`), whose bounds the domain checks.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from web.fields import Text

CARD = validate.Regexp(r"^pm_[A-Za-z0-9_]{1,100}$", error="Choose a card (a Stripe PaymentMethod id, pm_…).")
IN_RANGE = validate.Range(0, 10**9, error="Enter a whole number from 0 to 1,000,000,000.")
# Form field names, by the domain field each one sets (the domain names the field at fault).
FORM_FIELDS = {"commission_bps": "commission_percent", "minimum_fee_minor": "minimum_fee",
               "monthly_price_minor": "monthly_price", "monthly_price": "monthly_price", "name": "name"}


class PlanChoiceIn(Schema):
    class Meta:
        unknown = EXCLUDE

    plan = Text(required=True, validate=validate.Length(min=1, max=30))
    payment_method = fields.String(load_default="pm_card_visa", validate=CARD)


def hundredths(value: int) -> str:
    """The inverse of `Hundredths`: 250 → "2.50", as a form shows it."""
    return f"{value // 100}.{value % 100:02d}"


class Hundredths(fields.Field):
    """A decimal with at most two decimals, zero or more ("2.5", "29.00") → an int of hundredths."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip().replace(" ", "")
        if not re.fullmatch(r"\d{1,9}(\.\d{0,2})?|\.\d{1,2}", text):
            raise ValidationError("Enter a number like 2.50 (at most two decimals, not negative).")
        return int(Decimal(text) * 100)


class PlanEditForm(Schema):
    class Meta:
        unknown = EXCLUDE

    name = Text(required=True)
    commission_bps = Hundredths(required=True, data_key="commission_percent")
    minimum_fee_minor = Hundredths(required=True, data_key="minimum_fee")
    monthly_price_minor = Hundredths(required=True, data_key="monthly_price")


class PlanEditBody(Schema):
    """Any of a plan's values; those left out stay as they are."""

    name = Text()
    commission_bps = fields.Integer(strict=True, validate=IN_RANGE)
    minimum_fee_minor = fields.Integer(strict=True, validate=IN_RANGE)
    monthly_price_minor = fields.Integer(strict=True, validate=IN_RANGE)
