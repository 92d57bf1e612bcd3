"""Response and request schemas of member-facing and staff-facing loyalty endpoints."""

import marshmallow as ma
from marshmallow import validate

from core.fields import DecimalString
from loyalty.members import mask_phone


class MemberSelfSchema(ma.Schema):
    """A member's own profile (phone masked even to themselves in lists; full here)."""

    id = ma.fields.Integer()
    card_no = ma.fields.String()
    nickname = ma.fields.String(allow_none=True)
    avatar_url = ma.fields.String(allow_none=True)
    gender = ma.fields.String(allow_none=True)
    birthday = ma.fields.Date(allow_none=True)
    phone_masked = ma.fields.Function(lambda m: mask_phone(m.phone))
    tier = ma.fields.String(attribute="tier_code")
    growth_value = ma.fields.Integer()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()


class ProfilePatchSchema(ma.Schema):
    nickname = ma.fields.String(validate=validate.Length(1, 64))
    avatar_url = ma.fields.Url(validate=validate.Length(max=512))
    gender = ma.fields.String(validate=validate.OneOf(["male", "female", "unknown"]))
    birthday = ma.fields.Date()
    phone = ma.fields.String(validate=validate.Regexp(r"^\+?[0-9]{6,15}$"))



class TierBriefSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    multiplier = ma.fields.String()


class NextTierSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    growth_needed = ma.fields.Integer()


class CardSchema(ma.Schema):
    card_no = ma.fields.String()
    tier = ma.fields.Nested(TierBriefSchema)
    growth_value = ma.fields.Integer()
    next_tier = ma.fields.Nested(NextTierSchema, allow_none=True)
    qr_payload = ma.fields.String()
    qr_image_url = ma.fields.String()
    advisor_name = ma.fields.String(allow_none=True, metadata={"description": "专属顾问"})


class ExpiringSchema(ma.Schema):
    points = ma.fields.Integer()
    expires_at = ma.fields.DateTime()


class PendingSchema(ma.Schema):
    points = ma.fields.Integer()
    available_at = ma.fields.DateTime()
    source = ma.fields.String()
    order_no = ma.fields.String()


class PointsSchema(ma.Schema):
    balance = ma.fields.Integer()
    expiring = ma.fields.List(ma.fields.Nested(ExpiringSchema))
    lifetime_earned = ma.fields.Integer()
    lifetime_redeemed = ma.fields.Integer()
    debt = ma.fields.Integer()
    pending = ma.fields.List(ma.fields.Nested(PendingSchema))


class EntrySchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String()
    reason_code = ma.fields.String()
    amount = ma.fields.Integer()
    balance_after = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    ref = ma.fields.Function(lambda e: f"{e.ref_type}:{e.ref_id}" if e.ref_type else None)
    note = ma.fields.String(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True)


class StaffEntrySchema(EntrySchema):
    operator_id = ma.fields.Integer(allow_none=True)
    member_id = ma.fields.Integer()
    reverses_id = ma.fields.Integer(allow_none=True)
    reversed = ma.fields.Boolean(metadata={"description": "already taken back by a reversal"})


class MemberStaffSchema(ma.Schema):
    """The staff view of a member: phone always masked (PIPL)."""

    id = ma.fields.Integer()
    card_no = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.Function(lambda m: mask_phone(m.phone))
    tier = ma.fields.String(attribute="tier_code")
    growth_value = ma.fields.Integer()
    balance = ma.fields.Function(lambda m: m.account.balance if m.account else 0)
    debt = ma.fields.Function(lambda m: m.account.debt if m.account else 0)
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    anonymized = ma.fields.Function(lambda m: m.anonymized_at is not None)


class MemberSearchArgs(ma.Schema):
    q = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None, validate=validate.Length(max=64))


class AdjustmentInSchema(ma.Schema):
    delta = ma.fields.Integer(required=True, strict=True,
                              validate=[validate.Range(-10**9, 10**9),
                                        validate.NoneOf([0], error="Must not be zero.")])
    reason_code = ma.fields.String(required=True, validate=validate.OneOf(
        ["goodwill", "correction", "compensation", "migration", "other"]))
    note = ma.fields.String(load_default=None, validate=validate.Length(max=500))


class MemberCardSchema(ma.Schema):
    """How staff recognise a member: nickname, masked phone, card number."""

    id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.String(allow_none=True)
    card_no = ma.fields.String(allow_none=True)


class AdjustmentSchema(ma.Schema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    member = ma.fields.Nested(MemberCardSchema, allow_none=True,
                              metadata={"description": "in lists"})
    delta = ma.fields.Integer()
    reason_code = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    requested_by = ma.fields.Integer()
    approved_by = ma.fields.Integer(allow_none=True)
    entry_id = ma.fields.Integer(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "set when this is a reversal of that entry waiting for approval"})
    created_at = ma.fields.DateTime()


class AdjustmentListArgs(ma.Schema):
    status = ma.fields.String(load_default=None, validate=validate.OneOf(
        ["applied", "pending_approval", "rejected"]))
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None, validate=validate.Length(max=64))


class ReverseInSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(1, 500))


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=validate.Length(1, 120))
    multiplier = DecimalString(minimum=1, maximum=20, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    tiers = ma.fields.List(ma.fields.String(validate=validate.Length(1, 32)),
                           load_default=list, validate=validate.Length(max=10))
    categories = ma.fields.List(ma.fields.String(validate=validate.Length(1, 64)),
                                load_default=list, validate=validate.Length(max=50))
    segment_id = ma.fields.Integer(load_default=None, allow_none=True,
                                   validate=validate.Range(1, 2**53))
    status = ma.fields.String(dump_only=True)


class AuditArgs(ma.Schema):
    action = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    target_type = ma.fields.String(load_default=None, validate=validate.Length(max=32))
    target_id = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    actor_id = ma.fields.Integer(load_default=None, validate=validate.Range(1, 2**53))
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None, validate=validate.Length(max=64))


class AuditSchema(ma.Schema):
    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    ip = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class RulesVersionSchema(ma.Schema):
    version = ma.fields.Integer()
    rules = ma.fields.Dict()
    created_by = ma.fields.Integer(allow_none=True)
    created_by_username = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class PosMemberSchema(ma.Schema):
    card_no = ma.fields.String(validate=validate.Length(1, 20))
    phone = ma.fields.String(validate=validate.Length(1, 20))
    member_id = ma.fields.Integer(validate=validate.Range(1, 2**53))

    @ma.validates_schema
    def _one_key(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("Give card_no, phone or member_id.")


class PosOrderInSchema(ma.Schema):
    order_no = ma.fields.String(required=True, validate=validate.Length(1, 64))
    member = ma.fields.Nested(PosMemberSchema, required=True)
    amount_fen = ma.fields.Integer(required=True, strict=True,
                                   validate=validate.Range(0, 10**11))
    paid_at = ma.fields.AwareDateTime(required=True)
    store_id = ma.fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(1, 2**53))
    category = ma.fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=64))
    redemption_no = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(1, 64),
        metadata={"description": "the bill's points part (POST /pos/redemptions); "
                  "amount_fen is then the cash paid, which alone earns"})


class PosOrderOutSchema(ma.Schema):
    order_no = ma.fields.String()
    member_id = ma.fields.Integer(allow_none=True)
    points_earned = ma.fields.Integer()
    balance = ma.fields.Integer(allow_none=True)
    pending_points = ma.fields.Integer(metadata={"description": "not yet spendable"})
    held_for_phone = ma.fields.Boolean(metadata={
        "description": "a walk-in: points held for the phone until a member verifies it"})


class PosRefundInSchema(ma.Schema):
    order_no = ma.fields.String(required=True, validate=validate.Length(1, 64))
    refund_no = ma.fields.String(required=True, validate=validate.Length(1, 64))
    amount_fen = ma.fields.Integer(required=True, strict=True,
                                   validate=validate.Range(1, 10**11))


class PosRefundOutSchema(ma.Schema):
    order_no = ma.fields.String()
    refund_no = ma.fields.String()
    points_clawed = ma.fields.Integer()
    debt_added = ma.fields.Integer()
    flagged = ma.fields.Boolean()
    balance = ma.fields.Integer(allow_none=True)
    points_returned = ma.fields.Integer(metadata={
        "description": "points of the bill's redemption given back"})


class SubscriptionInSchema(ma.Schema):
    template_id = ma.fields.String(required=True, validate=validate.Length(1, 64))


class SubscriptionSchema(ma.Schema):
    template_id = ma.fields.String()
    grants = ma.fields.Integer()


class StaffNameSchema(ma.Schema):
    """A staff account as colleagues see it: who, not how to log in."""

    id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String()


class StaffListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StaffNameSchema))
