"""What the API answers: output schemas (documented in the OpenAPI document).

They read attributes of the query dataclasses (or keys of the dicts built in `documents`).
Money is always `{"amount_minor", "currency", "display"}`, `display` being `str(Money)`.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class MoneyOut(Schema):
    amount_minor = fields.Integer()
    currency = fields.String()
    display = fields.Function(str)


class ErrorOut(Schema):
    code = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String()


class MeOut(Schema):
    user_id = fields.Integer(attribute="id")
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    business_id = fields.Integer(allow_none=True)
    business_name = fields.String(allow_none=True)


class RegisteredOut(Schema):
    business_id = fields.Integer()
    user_id = fields.Integer()


class CategoryOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()


class ListingOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    price = fields.List(fields.Nested(MoneyOut), attribute="prices")
    open_to_barter = fields.Boolean()
    category = fields.Nested(CategoryOut)
    business_id = fields.Integer()
    business_name = fields.String()
    created_at = fields.DateTime()
    delivery_mode = fields.String(metadata={"description": "remote, or on_site in `city`"})
    city = fields.String()
    lead_time_days = fields.Integer()
    rating = fields.Float(allow_none=True, metadata={"description": "the business's reputation score, 1 to 5"})
    rating_count = fields.Integer()


class ListingPageOut(Schema):
    items = fields.List(fields.Nested(ListingOut))
    page = fields.Integer(attribute="number")
    per_page = fields.Integer()
    has_next = fields.Boolean()


class ReviewOut(Schema):
    author_name = fields.String()
    quality = fields.Integer()
    timeliness = fields.Integer()
    communication = fields.Integer()
    comment = fields.String()
    at = fields.DateTime()


class BusinessOut(Schema):
    id = fields.Integer()
    name = fields.String()
    city = fields.String()
    description = fields.String()
    created_at = fields.DateTime()
    listings = fields.List(fields.Nested(ListingOut))
    reviews = fields.List(fields.Nested(ReviewOut))


class PartyOut(Schema):
    id = fields.Integer()
    name = fields.String()


class ObligationOut(Schema):
    provider = fields.String()
    description = fields.String()
    acceptance_criteria = fields.String()


class TermsOut(Schema):
    title = fields.String()
    price = fields.List(fields.Nested(MoneyOut))
    delivery_due_at = fields.DateTime()
    inspection_days = fields.Integer()
    obligations = fields.List(fields.Nested(ObligationOut))
    listing_id = fields.Integer(allow_none=True)


class DeadlineOut(Schema):
    name = fields.String()
    at = fields.DateTime()


class TimelineEntryOut(Schema):
    seq = fields.Integer()
    kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    summary = fields.String()
    at = fields.DateTime()


class DealReviewOut(Schema):
    author_id = fields.Integer()
    subject_id = fields.Integer()
    quality = fields.Integer()
    timeliness = fields.Integer()
    communication = fields.Integer()
    comment = fields.String()
    at = fields.DateTime()


class DealOut(Schema):
    deal_id = fields.String()
    title = fields.String()
    stage = fields.String()
    stage_label = fields.String()
    model = fields.String()
    ring_id = fields.String(allow_none=True, metadata={"description": "The barter ring this deal is a leg of"})
    version = fields.Integer()
    role = fields.String(allow_none=True)
    buyer = fields.Nested(PartyOut)
    seller = fields.Nested(PartyOut)
    offered_by = fields.Integer()
    terms = fields.Nested(TermsOut)
    deadlines = fields.List(fields.Nested(DeadlineOut))
    allowed_actions = fields.List(fields.String())
    timeline = fields.List(fields.Nested(TimelineEntryOut))
    reviews = fields.List(fields.Nested(DealReviewOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DealSummaryOut(Schema):
    deal_id = fields.String()
    title = fields.String()
    stage = fields.String()
    buyer = fields.Nested(PartyOut)
    seller = fields.Nested(PartyOut)
    price = fields.List(fields.Nested(MoneyOut))
    next_deadline_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class DealListOut(Schema):
    items = fields.List(fields.Nested(DealSummaryOut))


class ActionResultOut(Schema):
    deal_id = fields.String()
    stage = fields.String()
    version = fields.Integer()
    summary = fields.String()
    deal = fields.Nested(DealOut)


class NotificationOut(Schema):
    id = fields.Integer()
    deal_id = fields.String(allow_none=True)
    kind = fields.String()
    subject = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    link = fields.String(allow_none=True)


class InboxOut(Schema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationOut))


class BalanceOut(Schema):
    address = fields.String()
    currency = fields.String()
    posted = fields.Integer()
    pending_out = fields.Integer()
    pending_in = fields.Integer()
    available = fields.Integer()
    credit_limit = fields.Integer(allow_none=True)


class StatementLineOut(Schema):
    transfer_id = fields.String()
    memo = fields.String()
    deal_id = fields.String(allow_none=True)
    status = fields.String()
    amount = fields.Integer()
    pending = fields.Boolean()
    created_at = fields.DateTime()
    running_balance = fields.Integer()


class CreditAccountOut(Schema):
    balance = fields.Nested(BalanceOut)
    statement = fields.List(fields.Nested(StatementLineOut))
