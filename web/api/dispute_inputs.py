"""What the dispute API takes: marshmallow schemas for each body, and a ruling body as the
domain's `Ruling` (the domain then checks it against what is held)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.dispute_stages import DisputeReason
from domain.money import Money
from domain.rulings import BondDecision, BondRuling, LegDecision, LegRuling, Ruling
from domain.terms import Role


class OpenDisputeBody(Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in DisputeReason]),
                           metadata={"description": "why: one of the listed reasons"})
    details = fields.String(required=True, validate=validate.Length(min=1, max=5_000))
    asked_for = fields.String(required=True, validate=validate.Length(min=1, max=1_000),
                              metadata={"description": "the outcome asked for"})


class LegBody(Schema):
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in LegDecision]))
    refund_bps = fields.Integer(load_default=0, validate=validate.Range(0, 10_000),
                                metadata={"description": "split by percent: the payer's share, 3000 = 30 %"})
    to_payee_minor = fields.Integer(load_default=None, validate=validate.Range(min=0))
    to_payer_minor = fields.Integer(load_default=None, validate=validate.Range(min=0))


class BondBody(Schema):
    side = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in BondDecision]))


class RulingBody(Schema):
    """A ruling, or a settlement offer (then `reasons` is the offering party's message)."""

    legs = fields.List(fields.Nested(LegBody), load_default=list)
    bonds = fields.List(fields.Nested(BondBody), load_default=list)
    reasons = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class DisputeNoteBody(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2_000))


class ReassignBody(Schema):
    why = fields.String(required=True, validate=validate.Length(min=1, max=2_000))


def ruling_from(body: dict) -> Ruling:
    legs = []
    for leg in body["legs"]:
        currency = leg["currency"].upper()
        to_payee = leg.get("to_payee_minor")
        to_payer = leg.get("to_payer_minor")
        legs.append(LegRuling(
            currency, LegDecision(leg["decision"]), refund_bps=leg.get("refund_bps") or 0,
            to_payee=Money(to_payee, currency) if to_payee is not None else None,
            to_payer=Money(to_payer, currency) if to_payer is not None else None))
    bonds = tuple(BondRuling(Role(b["side"]), BondDecision(b["decision"])) for b in body["bonds"])
    return Ruling(tuple(legs), body["reasons"], bonds)
