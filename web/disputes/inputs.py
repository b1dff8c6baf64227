"""The dispute forms: opening one, a settlement offer or a ruling (one form: per held leg,
release / refund / split by percentage or by amount; per posted bond, returned or forfeited),
evidence, and notes. Each loads into the values the domain takes; the domain then checks the
rules (a ruling must add up to exactly what is held).

A ruling's fields are named after the leg's currency (`EUR_decision`, `EUR_refund_percent`,
`EUR_to_payee`, `EUR_to_payer`) and the bond's side (`bond_buyer`), so the form has one group
per thing held, and an error points at the field it is about.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from domain.dispute_stages import DisputeReason
from domain.money import Money
from domain.rulings import BondDecision, BondRuling, Held, LegDecision, LegRuling, Ruling
from domain.terms import Role
from web.fields import AmountText, Text

DECISION_LABELS = {
    LegDecision.RELEASE: "Release all to the payee",
    LegDecision.REFUND: "Refund all to the payer",
    LegDecision.SPLIT_BY_PERCENT: "Split: refund a percentage",
    LegDecision.SPLIT_BY_AMOUNT: "Split: by amount",
}


class Form(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token, and the fields of the other groups of a form


class OpenDisputeForm(Form):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in DisputeReason],
                                                                  error="Choose a reason from the list."))
    details = Text(required=True, validate=validate.Length(max=5_000))
    asked_for = Text(required=True, validate=validate.Length(max=1_000))


class NoteForm(Form):
    note = Text(load_default="", validate=validate.Length(max=2_000))


class AcceptForm(Form):
    offer_number = fields.Integer(required=True, strict=False, validate=validate.Range(min=1))


class EvidenceForm(Form):
    statement = Text(load_default="", validate=validate.Length(max=10_000))


def percent_bps(text: str) -> int:
    """'30' or '12.5' (percent, at most two decimals) → basis points (the domain's unit)."""
    cleaned = text.strip().rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValidationError("Enter a percentage like 30 or 12.5.") from error
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned) or not 0 <= value <= 100:
        raise ValidationError("Enter a percentage from 0 to 100, with at most two decimals.")
    return int(value * 100)


def _leg(form: dict[str, Any], currency: str, errors: dict[str, list[str]]) -> LegRuling | None:
    name = f"{currency}_decision"
    try:
        decision = LegDecision(form.get(name, ""))
    except ValueError:
        errors[name] = [f"Decide the {currency} leg."]
        return None
    try:
        if decision is LegDecision.SPLIT_BY_PERCENT:
            return LegRuling(currency, decision, refund_bps=percent_bps(form.get(f"{currency}_refund_percent", "")))
        if decision is LegDecision.SPLIT_BY_AMOUNT:
            parts = [_amount(form, f"{currency}_{side}", currency) for side in ("to_payee", "to_payer")]
            return LegRuling(currency, decision, to_payee=parts[0], to_payer=parts[1])
    except ValidationError as error:
        errors.update({k: list(v) for k, v in error.normalized_messages().items()})
        return None
    return LegRuling(currency, decision)


def _amount(form: dict[str, Any], name: str, currency: str):
    raw = form.get(name, "")
    if re.fullmatch(r"0*(\.0*)?", str(raw).strip()) and str(raw).strip():
        return Money(0, currency)  # a split may give one side nothing; AmountText refuses zero
    try:
        return AmountText(currency).deserialize(raw)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from error


def ruling_from_form(form: dict[str, Any], held: Held) -> Ruling:
    """A Ruling (or settlement offer) for what `held` holds; field errors as a ValidationError."""
    errors: dict[str, list[str]] = {}
    legs = [_leg(form, currency, errors) for currency in held.currencies]
    bonds = []
    for side in held.bonds_posted:
        name = f"bond_{side.value}"
        try:
            bonds.append(BondRuling(Role(side), BondDecision(form.get(name, ""))))
        except ValueError:
            errors[name] = [f"Decide the {side.value}'s bond: returned or forfeited."]
    reasons = str(form.get("reasons", "")).strip()
    if not reasons:
        errors["reasons"] = ["Write the reasons."]
    if errors:
        raise ValidationError(errors)
    return Ruling(tuple(leg for leg in legs if leg is not None), reasons, tuple(bonds))

