"""What a business submits and what an admin decides, for HTML forms and the JSON API alike."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from web.fields import Text


class SubmissionForm(Schema):
    """Sent as multipart/form-data, with the files as `documents` (PDF, PNG or JPEG)."""

    class Meta:
        unknown = EXCLUDE

    registration_number = Text(required=True, validate=validate.Length(min=1, max=40),
                               metadata={"description": "The company register's number"})
    address = Text(required=True, validate=validate.Length(min=1, max=300))
    representative = Text(required=True, validate=validate.Length(min=1, max=120),
                          metadata={"description": "The person who represents the business"})
    note = Text(load_default="", validate=validate.Length(max=2_000),
                metadata={"description": "Optional; the answer when an admin asked for more information"})


class DecisionForm(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = Text(load_default="", validate=validate.Length(max=1_000),
                  metadata={"description": "Required to reject or to ask for more information"})


class CaseOut(Schema):
    business_id = fields.Integer()
    business_name = fields.String()
    status = fields.String()
    status_label = fields.String()
    verified = fields.Boolean()
    registration_number = fields.String()
    address = fields.String()
    representative = fields.String()
    reason = fields.String()
    waiting_since = fields.DateTime(allow_none=True)
    documents = fields.List(fields.Dict())
    timeline = fields.List(fields.Dict())


class QueueOut(Schema):
    items = fields.List(fields.Dict())


class DecisionOut(Schema):
    business_id = fields.Integer()
    status = fields.String()
    version = fields.Integer()
    summary = fields.String()
