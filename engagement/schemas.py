"""Request and response schemas of the engagement endpoints."""

import marshmallow as ma
from marshmallow import validate

from engagement import sharing

TARGET_TYPES = ["item", "page", "campaign"]


class CheckinResultSchema(ma.Schema):
    date = ma.fields.Date(attribute="day")
    streak = ma.fields.Integer()
    points = ma.fields.Integer()


class CalendarArgs(ma.Schema):
    month = ma.fields.String(load_default=None, metadata={"example": "2026-11"},
                             validate=validate.Regexp(r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$",
                                                      error="Use YYYY-MM."))


class CalendarSchema(ma.Schema):
    month = ma.fields.String()
    days = ma.fields.List(ma.fields.Date())
    streak = ma.fields.Integer()
    today_checked_in = ma.fields.Boolean()
    next_points = ma.fields.Integer(metadata={"description": "points of the next check-in"})


class ShareInSchema(ma.Schema):
    target_type = ma.fields.String(required=True, validate=validate.OneOf(TARGET_TYPES))
    target_id = ma.fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(1, 64))


class ShareLinkSchema(ma.Schema):
    token = ma.fields.String()
    url_path = ma.fields.Function(sharing.url_path)
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class VisitSchema(ma.Schema):
    rewarded = ma.fields.Boolean()
    points = ma.fields.Integer(metadata={"description": "points credited to the sharer"})
    reason = ma.fields.String(allow_none=True, metadata={
        "description": "why nothing was credited: unknown_share, self_visit, repeat_visitor, "
                       "sharer_inactive, daily_cap_reached"})
    target_type = ma.fields.String(allow_none=True)
    target_id = ma.fields.String(allow_none=True)


class ReferralStatsSchema(ma.Schema):
    invited = ma.fields.Integer()
    qualified = ma.fields.Integer()
    points_earned = ma.fields.Integer()
    conversion_rate = ma.fields.Float()


class ReferralSummarySchema(ReferralStatsSchema):
    code = ma.fields.String()


class LeaderboardEntrySchema(ReferralStatsSchema):
    rank = ma.fields.Integer()
    member_id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)
    card_no = ma.fields.String(allow_none=True)


class ActivityInSchema(ma.Schema):
    task_code = ma.fields.String(required=True, validate=validate.Length(1, 32))


class ActivityResultSchema(ma.Schema):
    member_id = ma.fields.Integer()
    task_code = ma.fields.String()
    points = ma.fields.Integer()
    used = ma.fields.Integer(metadata={"description": "credits of this task in this period"})
    limit = ma.fields.Integer()
    period = ma.fields.String()
    balance = ma.fields.Integer()
