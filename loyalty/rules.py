"""A merchant's rules: defaults, validation, and the pure functions that apply them."""

import copy
import math
from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.fields import DecimalString

DEFAULT_RULES = {
    "earning": {"points_per_yuan": "1.00", "pending_days": 0},
    "signup_bonus": 100,
    "checkin": {"ladder": [5, 5, 10, 10, 15, 15, 30]},
    "share": {"points_per_visit": 10, "max_rewarded_visits_per_day": 5},
    "referral": {"referrer_points": 200, "referee_points": 200, "on_first_mall_order": False},
    "activities": [
        {"code": "survey", "name": "问卷调查 Survey", "points": 50, "limit": 1, "period": "month"},
        {"code": "skin_test", "name": "到店测肤 Skin test", "points": 30, "limit": 1,
         "period": "month"},
        {"code": "care_visit", "name": "术后回访 Care visit", "points": 20, "limit": 4,
         "period": "month"},
    ],
    "expiry": {"months": 12, "notice_days": 30},
    "tiers": [
        {"code": "starlight", "name": "星耀 Starlight", "threshold": 0,
         "multiplier": "1.00", "birthday_multiplier": "1.50"},
        {"code": "platinum", "name": "铂金 Platinum", "threshold": 5000,
         "multiplier": "1.20", "birthday_multiplier": "2.00"},
        {"code": "diamond", "name": "钻石 Diamond", "threshold": 20000,
         "multiplier": "1.50", "birthday_multiplier": "2.00"},
    ],
    "tier_downgrade": "none",
    "approval_threshold": 1000,
    "point_value_fen": 1,
    "refund_shortfall": "debt",
    "mall": {"monthly_redeem_cap": 0, "pay_timeout_minutes": 15, "voucher_valid_days": 90},
    "notifications": {"expiry_template_id": "expiry-notice"},
    "till": {"enabled": True, "fen_per_point": 5, "max_share_percent": 50, "step": 100,
             "min_points": 100, "excluded_categories": [], "pay_code_seconds": 60},
    "walk_in": {"claim_days": 90},
    "wallet": {
        "spend_order": "proportional", "refund_approval_fen": 100_000, "cooling_off_days": 7,
        "pay_timeout_minutes": 15, "earn_on_payment": "principal",
        "plans": [{"code": "t1000", "name": "充 1000 送 100 Top up 1,000", "amount_fen": 100_000,
                   "gift_fen": 10_000, "bonus_points": 500}],
    },
    "care": {"categories": ["treatment", "surgery"], "follow_up_days": [3, 21, 90]},
}

Multiplier = DecimalString(minimum=0, maximum=20, required=True)
Points = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 1_000_000))


class EarningSchema(ma.Schema):
    points_per_yuan = DecimalString(minimum=0, maximum=1000, required=True)
    pending_days = ma.fields.Integer(load_default=0, strict=True,
                                     validate=validate.Range(0, 365))


class WalkInSchema(ma.Schema):
    claim_days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 3650))


class CheckinSchema(ma.Schema):
    ladder = ma.fields.List(ma.fields.Integer(strict=True, validate=validate.Range(1, 10_000)),
                            required=True, validate=validate.Length(1, 31))


class ShareSchema(ma.Schema):
    points_per_visit = Points
    max_rewarded_visits_per_day = ma.fields.Integer(required=True, strict=True,
                                                    validate=validate.Range(0, 1000))


class ReferralSchema(ma.Schema):
    referrer_points = Points
    referee_points = Points
    on_first_mall_order = ma.fields.Boolean(load_default=False)


class ActivitySchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))
    name = ma.fields.String(required=True, validate=validate.Length(1, 64))
    points = Points
    limit = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    period = ma.fields.String(required=True,
                              validate=validate.OneOf(["day", "month", "year", "lifetime"]))


class ExpirySchema(ma.Schema):
    months = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 120))
    notice_days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 365))


class TierSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))
    name = ma.fields.String(required=True, validate=validate.Length(1, 64))
    threshold = ma.fields.Integer(required=True, strict=True,
                                  validate=validate.Range(0, 10**12))
    multiplier = Multiplier
    birthday_multiplier = Multiplier


class MallRulesSchema(ma.Schema):
    monthly_redeem_cap = ma.fields.Integer(required=True, strict=True,
                                           validate=validate.Range(0, 10**9))
    pay_timeout_minutes = ma.fields.Integer(required=True, strict=True,
                                            validate=validate.Range(1, 24 * 60))
    voucher_valid_days = ma.fields.Integer(required=True, strict=True,
                                           validate=validate.Range(1, 3650))


class NotificationsSchema(ma.Schema):
    expiry_template_id = ma.fields.String(required=True, validate=validate.Length(1, 64))


class TillSchema(ma.Schema):
    enabled = ma.fields.Boolean(required=True)
    fen_per_point = ma.fields.Integer(required=True, strict=True,
                                      validate=validate.Range(1, 10_000))
    max_share_percent = ma.fields.Integer(required=True, strict=True,
                                          validate=validate.Range(0, 100))
    step = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 100_000))
    min_points = ma.fields.Integer(required=True, strict=True,
                                   validate=validate.Range(0, 10**9))
    excluded_categories = ma.fields.List(ma.fields.String(validate=validate.Length(1, 64)),
                                         required=True, validate=validate.Length(0, 100))
    pay_code_seconds = ma.fields.Integer(required=True, strict=True,
                                         validate=validate.Range(15, 600))


class WalletPlanSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,32}$"))
    name = ma.fields.String(required=True, validate=validate.Length(1, 64))
    amount_fen = ma.fields.Integer(required=True, strict=True,
                                   validate=validate.Range(1, 10**10))
    gift_fen = ma.fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**10))
    bonus_points = Points


class WalletRulesSchema(ma.Schema):
    spend_order = ma.fields.String(required=True, validate=validate.OneOf(
        ["proportional", "gift_first", "principal_first"]))
    refund_approval_fen = ma.fields.Integer(required=True, strict=True,
                                            validate=validate.Range(0, 10**10))
    cooling_off_days = ma.fields.Integer(required=True, strict=True,
                                         validate=validate.Range(7, 365))
    pay_timeout_minutes = ma.fields.Integer(required=True, strict=True,
                                            validate=validate.Range(1, 24 * 60))
    # Which part of a counter payment earns points like cash; a gift was never paid for.
    earn_on_payment = ma.fields.String(load_default="principal", validate=validate.OneOf(
        ["principal", "all", "none"]))
    plans = ma.fields.List(ma.fields.Nested(WalletPlanSchema), required=True,
                           validate=validate.Length(0, 50))

    @ma.validates_schema  # skipped while a plan itself is invalid
    def _unique_codes(self, data, **_kwargs):
        codes = [plan["code"] for plan in data.get("plans", [])]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError("plan codes must be unique", "plans")
class CareRulesSchema(ma.Schema):
    categories = ma.fields.List(ma.fields.String(validate=validate.Length(1, 64)),
                                required=True, validate=validate.Length(0, 50))
    follow_up_days = ma.fields.List(
        ma.fields.Integer(strict=True, validate=validate.Range(1, 3650)), required=True,
        validate=validate.Length(0, 10))


def _section(schema):
    return ma.fields.Nested(schema, required=True)


class RulesSchema(ma.Schema):
    """The whole rules document; PUT replaces it."""

    earning = _section(EarningSchema)
    signup_bonus = Points
    checkin = _section(CheckinSchema)
    share = _section(ShareSchema)
    referral = _section(ReferralSchema)
    activities = ma.fields.List(ma.fields.Nested(ActivitySchema), required=True,
                                validate=validate.Length(0, 50))
    expiry = _section(ExpirySchema)
    tiers = ma.fields.List(ma.fields.Nested(TierSchema), required=True,
                           validate=validate.Length(1, 10))
    tier_downgrade = ma.fields.String(required=True,
                                      validate=validate.OneOf(["none", "rolling_12_months"]))
    approval_threshold = ma.fields.Integer(required=True, strict=True,
                                           validate=validate.Range(0, 10**9))
    point_value_fen = ma.fields.Integer(required=True, strict=True,
                                        validate=validate.Range(0, 10_000))
    refund_shortfall = ma.fields.String(required=True, validate=validate.OneOf(["debt", "flag"]))
    mall = _section(MallRulesSchema)
    notifications = _section(NotificationsSchema)
    # Documents saved before the till existed get its defaults.
    till = ma.fields.Nested(TillSchema, load_default=lambda: copy.deepcopy(DEFAULT_RULES["till"]))
    walk_in = ma.fields.Nested(WalkInSchema,
                               load_default=lambda: copy.deepcopy(DEFAULT_RULES["walk_in"]))
    # Optional: rules stored before stored value existed have no wallet section.
    wallet = ma.fields.Nested(WalletRulesSchema,
                              load_default=lambda: copy.deepcopy(DEFAULT_RULES["wallet"]))
    care = ma.fields.Nested(CareRulesSchema,
                            load_default=lambda: copy.deepcopy(DEFAULT_RULES["care"]))

    @ma.validates_schema
    def _tiers_are_a_ladder(self, data, **_kwargs):
        tiers = data.get("tiers") or []
        thresholds = [t["threshold"] for t in tiers]
        if tiers and (thresholds[0] != 0 or thresholds != sorted(set(thresholds))):
            raise ma.ValidationError(
                "thresholds must start at 0 and strictly increase", "tiers")
        if len({t["code"] for t in tiers}) != len(tiers):
            raise ma.ValidationError("tier codes must be unique", "tiers")
        codes = [a["code"] for a in data.get("activities") or []]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError("activity codes must be unique", "activities")


def default_rules() -> dict:
    """A fresh copy of the default rules."""
    return copy.deepcopy(DEFAULT_RULES)


def as_document(rules: dict) -> dict:
    """Loaded rules as the JSON document that is stored and returned."""
    return RulesSchema().dump(rules)


def tier_for(growth_value: int, tiers: list[dict]) -> dict:
    """The highest tier whose threshold the growth value reaches."""
    reached = [t for t in tiers if t["threshold"] <= growth_value]
    return max(reached, key=lambda t: t["threshold"]) if reached else tiers[0]


def next_tier(growth_value: int, tiers: list[dict]) -> dict | None:
    """The next tier up and how much growth it still needs, or None at the top."""
    above = sorted((t for t in tiers if t["threshold"] > growth_value),
                   key=lambda t: t["threshold"])
    if not above:
        return None
    return {"code": above[0]["code"], "name": above[0]["name"],
            "growth_needed": above[0]["threshold"] - growth_value}


def earn_points(amount_fen: int, points_per_yuan, multiplier) -> int:
    """floor(yuan × rate × multiplier), computed exactly."""
    exact = Decimal(amount_fen) * Decimal(points_per_yuan) * Decimal(multiplier) / 100
    return math.floor(exact)


def best_multiplier(*candidates) -> Decimal:
    """The single best multiplier applies, never their product."""
    return max((Decimal(c) for c in candidates), default=Decimal(1))
