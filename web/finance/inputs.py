"""What finance sends: adjustment proposals (form and API), explorer and activity arguments."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from domain.adjustments import MAX_REASON
from domain.money import EXPONENTS
from web.fields import CreditsText, Text, check_credit_amount

CURRENCIES = sorted(EXPONENTS)
ADDRESS_LENGTH = validate.Length(min=3, max=200)
DATASETS = ("fees", "volume", "average", "members", "models")


class AmountIn(Schema):
    """An adjustment amount in the API: minor units of any ledger currency."""

    amount_minor = fields.Integer(required=True, strict=True, validate=check_credit_amount)
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))


class AdjustmentBody(Schema):
    from_account = Text(required=True, validate=ADDRESS_LENGTH)
    to_account = Text(required=True, validate=ADDRESS_LENGTH)
    amount = fields.Nested(AmountIn, required=True)
    reason = Text(required=True, validate=validate.Length(min=1, max=MAX_REASON))

    @post_load
    def _flatten_amount(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        amount = data.pop("amount")
        data.update(amount_minor=amount["amount_minor"], currency=amount["currency"])
        return data


class AdjustmentForm(Schema):
    """The same proposal from the page: the amount typed as a decimal ("12.50")."""

    class Meta:
        unknown = EXCLUDE

    from_account = Text(required=True, validate=ADDRESS_LENGTH)
    to_account = Text(required=True, validate=ADDRESS_LENGTH)
    # Every ledger currency has two decimals, so the credits parser reads any of them.
    amount_minor = CreditsText(required=True, data_key="amount")
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    reason = Text(required=True, validate=validate.Length(min=1, max=MAX_REASON))


class AdjustmentFilter(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(["proposed", "approved", "rejected"]))


class AccountSearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    prefix = fields.String(load_default="", validate=validate.Length(max=200))


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ActivityArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    days = fields.Integer(load_default=30, validate=validate.Range(1, 366))
    bucket = fields.String(load_default="day", validate=validate.OneOf(["day", "week"]))
