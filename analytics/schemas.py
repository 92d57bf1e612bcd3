"""Query arguments and responses of the analytics endpoints."""

import marshmallow as ma
from marshmallow import validate


def report_of(row_schema, name: str):
    """A response schema {items: [row]} named for the OpenAPI document."""
    return ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(row_schema))},
                               name=name)


class PeriodArgs(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None,
                           metadata={"description": "first local day (default: 29 days ago)"})
    to = ma.fields.Date(load_default=None, metadata={"description": "last local day (today)"})


class SeriesArgs(PeriodArgs):
    bucket = ma.fields.String(load_default="day", validate=validate.OneOf(["day", "week", "month"]))


class ChurnArgs(ma.Schema):
    idle_days = ma.fields.Integer(load_default=60, validate=validate.Range(1, 3650))


class ExpiringArgs(ma.Schema):
    within_days = ma.fields.Integer(load_default=30, validate=validate.Range(1, 365))


class SummarySchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    issued = ma.fields.Integer()
    redeemed = ma.fields.Integer()
    expired = ma.fields.Integer()
    redemption_rate = ma.fields.Float()
    liability_points = ma.fields.Integer()
    liability_fen = ma.fields.Integer()
    new_members = ma.fields.Integer()
    active_members = ma.fields.Integer()
    tier_distribution = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class EngagementSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    checkins = ma.fields.Integer(metadata={"description": "check-ins on the period's local days"})
    checkin_members = ma.fields.Integer(metadata={"description": "distinct members checking in"})
    shares = ma.fields.Integer(metadata={"description": "share links made"})
    share_visits = ma.fields.Integer(metadata={"description": "distinct visitors' opens"})
    rewarded_visits = ma.fields.Integer(metadata={"description": "opens that earned points"})
    referrals_invited = ma.fields.Integer(metadata={"description": "members who joined "
                                                                   "with a referral code"})
    referrals_qualified = ma.fields.Integer(metadata={"description": "referrals rewarded"})
    activity_tasks = ma.fields.Integer(metadata={"description": "activity tasks credited"})


class SeriesPointSchema(ma.Schema):
    period = ma.fields.String()
    issued = ma.fields.Integer()
    redeemed = ma.fields.Integer()
    expired = ma.fields.Integer()


SeriesSchema = report_of(SeriesPointSchema, "Series")


class ChurnMemberSchema(ma.Schema):
    member_id = ma.fields.Integer()
    card_no = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    last_activity_at = ma.fields.String()
    balance = ma.fields.Integer()


ChurnReportSchema = report_of(ChurnMemberSchema, "ChurnReport")


class ExpiringMemberSchema(ma.Schema):
    member_id = ma.fields.Integer()
    card_no = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    points = ma.fields.Integer()
    first_expiry_at = ma.fields.String()


ExpiringReportSchema = report_of(ExpiringMemberSchema, "ExpiringReport")


class RepurchaseSchema(ma.Schema):
    buyers = ma.fields.Integer()
    repeat_buyers = ma.fields.Integer()
    repurchase_rate = ma.fields.Float()


class TopItemsArgs(PeriodArgs):
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(1, 100))


class TopItemSchema(ma.Schema):
    item_id = ma.fields.Integer()
    title = ma.fields.String()
    type = ma.fields.String()
    units = ma.fields.Integer()
    points = ma.fields.Integer()
    cash_fen = ma.fields.Integer()
    orders = ma.fields.Integer()


TopItemsReportSchema = report_of(TopItemSchema, "TopItemsReport")
