"""Request and response schemas of the CRM endpoints."""

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from crm.rfm import NAMES
from crm.webhooks import EVENTS
from loyalty.members import mask_phone

DAYS = validate.Range(1, 3650)
ID = validate.Range(1, 2**53)
Tag = ma.fields.String(validate=validate.Length(1, 32))


class TagsSchema(ma.Schema):
    tags = ma.fields.List(Tag, required=True, validate=validate.Length(max=50))


class TagCountSchema(ma.Schema):
    tag = ma.fields.String()
    count = ma.fields.Integer()


class TagLibrarySchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TagCountSchema))


class RfmSchema(ma.Schema):
    segment = ma.fields.String()
    r = ma.fields.Integer()
    f = ma.fields.Integer()
    m = ma.fields.Integer()
    recency_days = ma.fields.Integer()
    frequency = ma.fields.Integer()
    monetary_fen = ma.fields.Integer()
    scored_at = ma.fields.DateTime()


class MemberProfileSchema(ma.Schema):
    """What the staff member page adds: tags and the RFM segment."""

    member_id = ma.fields.Integer()
    tags = ma.fields.List(ma.fields.String())
    rfm = ma.fields.Nested(RfmSchema, allow_none=True)


class FilterSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    tiers = ma.fields.List(ma.fields.String(validate=validate.Length(1, 32)),
                           validate=validate.Length(max=20))
    tags_any = ma.fields.List(Tag, validate=validate.Length(max=50))
    rfm_segments = ma.fields.List(ma.fields.String(validate=validate.OneOf(NAMES)),
                                  validate=validate.Length(max=8))
    last_visit_before_days = ma.fields.Integer(strict=True, allow_none=True, validate=DAYS)
    birthday_month = ma.fields.Integer(strict=True, allow_none=True,
                                       validate=validate.Range(1, 12))
    min_balance = ma.fields.Integer(strict=True, allow_none=True,
                                    validate=validate.Range(0, 10**12))
    points_expiring_within_days = ma.fields.Integer(strict=True, allow_none=True,
                                                    validate=DAYS)
    advisor_id = ma.fields.Integer(strict=True, allow_none=True, validate=ID)
    store_id = ma.fields.Integer(strict=True, allow_none=True, validate=ID)


class SegmentInSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(1, 64))
    filter = ma.fields.Nested(FilterSchema, required=True)


class SegmentSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    filter = ma.fields.Dict()
    count = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class SegmentListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SegmentSchema))


class CountSchema(ma.Schema):
    count = ma.fields.Integer()


class SegmentMemberSchema(ma.Schema):
    id = ma.fields.Integer()
    card_no = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.Function(lambda m: mask_phone(m.phone))
    tier = ma.fields.String(attribute="tier_code")
    balance = ma.fields.Function(lambda m: m.account.balance if m.account else 0)


class MessageInSchema(ma.Schema):
    template_id = ma.fields.String(required=True, validate=validate.Length(1, 64))
    page = ma.fields.String(load_default=None, validate=validate.Length(max=128))
    data = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(1, 32)),
                          values=ma.fields.String(validate=validate.Length(max=64)),
                          required=True, validate=validate.Length(1, 10))


class MessageReportSchema(ma.Schema):
    queued = ma.fields.Integer()
    skipped_no_grant = ma.fields.Integer()
    skipped_sent_today = ma.fields.Integer()


class ImportArgs(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=True)


class ImportFileSchema(ma.Schema):
    file = Upload(required=True)


class RowErrorSchema(ma.Schema):
    row = ma.fields.Integer()
    field = ma.fields.String()
    message = ma.fields.String()


class ImportReportSchema(ma.Schema):
    rows = ma.fields.Integer()
    valid = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema))
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    dry_run = ma.fields.Boolean()


class WebhookInSchema(ma.Schema):
    url = ma.fields.String(required=True, validate=validate.Length(1, 500))
    events = ma.fields.List(ma.fields.String(validate=validate.OneOf(EVENTS)), required=True,
                            validate=validate.Length(1, len(EVENTS) + 5))


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    status = ma.fields.String()
    failures = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String()


class WebhookListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(WebhookSchema))


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    event = ma.fields.String()
    attempt = ma.fields.Integer()
    status_code = ma.fields.Integer(allow_none=True)
    ok = ma.fields.Boolean()
    error = ma.fields.String(allow_none=True)
    duration_ms = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class ReportArgs(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None,
                           metadata={"description": "first local day (default: 29 days ago)"})
    to = ma.fields.Date(load_default=None, metadata={"description": "last local day (today)"})
    bucket = ma.fields.String(load_default="month",
                              validate=validate.OneOf(["day", "week", "month"]))


class MemberReportSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    new_members = ma.fields.List(ma.fields.Dict(), metadata={"description": "{period, count}"})
    gender = ma.fields.List(ma.fields.Dict(), metadata={"description": "{gender, count}"})
    age_bands = ma.fields.List(ma.fields.Dict(), metadata={"description": "{band, count}"})
    average_ticket_fen = ma.fields.Integer(allow_none=True)
    previous_average_ticket_fen = ma.fields.Integer(allow_none=True)
    average_ticket_change = ma.fields.Float(allow_none=True)
    points_usage_rate = ma.fields.Dict(metadata={"description": "{issued, redeemed, rate}"})
    referral_conversion = ma.fields.Dict(metadata={"description": "{referred, purchased, rate}"})
    consumption_warnings = ma.fields.Dict(metadata={
        "description": "members past 1.5× their usual visit interval: {count, items}"})


class StoreRowSchema(ma.Schema):
    store_id = ma.fields.Integer()
    store_name = ma.fields.String()
    orders = ma.fields.Integer()
    members = ma.fields.Integer()
    amount_fen = ma.fields.Integer()
    average_ticket_fen = ma.fields.Integer(allow_none=True)


class StoreReportSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(StoreRowSchema))
