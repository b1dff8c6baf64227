"""What the dispute API answers (documented in the OpenAPI document). Money inside is
`{"amount_minor", "currency", "display"}` and times are ISO 8601, as `dispute_documents.plain` makes them."""

from __future__ import annotations

from marshmallow import Schema, fields


class DisputeOut(Schema):
    """The case as its viewer may see it (see `web/api/dispute_documents.case_document`)."""

    deal_id = fields.String()
    title = fields.String()
    stage = fields.String()
    stage_label = fields.String()
    version = fields.Integer()
    role = fields.String(allow_none=True)
    reason = fields.String()
    details = fields.String()
    asked_for = fields.String()
    deadlines = fields.List(fields.Dict())
    held = fields.List(fields.Dict())
    checklist = fields.List(fields.Dict())
    offers = fields.List(fields.Dict())
    evidence = fields.List(fields.Dict())
    arbitrator = fields.Dict(allow_none=True)
    assignments = fields.List(fields.Dict())
    ruling = fields.Dict(allow_none=True)
    appeal = fields.Dict(allow_none=True)
    appeal_ruling = fields.Dict(allow_none=True)
    appeal_fee = fields.List(fields.Dict())
    timeline = fields.List(fields.Dict())
    party_records = fields.Dict(allow_none=True)
    allowed_actions = fields.List(fields.String())
    evidence_pack = fields.String()


class DisputeActionOut(Schema):
    deal_id = fields.String()
    stage = fields.String()
    version = fields.Integer()
    summary = fields.String()
    dispute = fields.Nested(DisputeOut)
