"""Request and response schemas of the wallet endpoints."""

import marshmallow as ma
from marshmallow import validate

from loyalty.rules import WalletPlanSchema
from loyalty.schemas import PosMemberSchema

Fen = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**10),
                        metadata={"description": "fen, 1 to 10^10"})
Number = ma.fields.String(required=True, validate=validate.Length(1, 64))
StoreId = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 2**53))
PayCode = ma.fields.String(validate=validate.Regexp(r"^[0-9]{6,32}$"))
PlanCode = ma.fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(1, 32))


class WalletSchema(ma.Schema):
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()


class PlanListSchema(ma.Schema):
    version = ma.fields.Integer(dump_only=True)
    plans = ma.fields.List(ma.fields.Nested(WalletPlanSchema), required=True,
                           validate=validate.Length(0, 50))

    @ma.validates_schema  # skipped while a plan itself is invalid
    def _unique_codes(self, data, **_kwargs):
        codes = [plan["code"] for plan in data.get("plans", [])]
        if len(set(codes)) != len(codes):
            raise ma.ValidationError("plan codes must be unique", "plans")


class MyWalletSchema(WalletSchema):
    plans = ma.fields.List(ma.fields.Nested(WalletPlanSchema))


class WalletEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String()
    reason_code = ma.fields.String()
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()
    principal_after_fen = ma.fields.Integer(attribute="principal_after")
    gift_after_fen = ma.fields.Integer(attribute="gift_after")
    balance_after_fen = ma.fields.Function(lambda e: e.principal_after + e.gift_after)
    created_at = ma.fields.DateTime()
    ref = ma.fields.Function(lambda e: f"{e.ref_type}:{e.ref_id}" if e.ref_type else None)


class StaffWalletEntrySchema(WalletEntrySchema):
    operator_id = ma.fields.Integer(allow_none=True)
    store_id = ma.fields.Integer(allow_none=True)


class TopupSchema(ma.Schema):
    id = ma.fields.Integer()
    topup_id = ma.fields.Function(lambda t: t.id)
    topup_no = ma.fields.String()
    source = ma.fields.String()
    plan_code = ma.fields.String(allow_none=True)
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()
    bonus_points = ma.fields.Integer()
    status = ma.fields.String()
    pay_deadline = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    paid_at = ma.fields.DateTime(allow_none=True)


class MemberTopupInSchema(ma.Schema):
    plan_code = PlanCode
    amount_fen = ma.fields.Integer(load_default=None, strict=True,
                                   validate=validate.Range(1, 10**10))

    @ma.validates_schema
    def _one_of(self, data, **_kwargs):
        if data.get("plan_code") is None and data.get("amount_fen") is None:
            raise ma.ValidationError("Give plan_code or amount_fen.")


class PosTopupInSchema(ma.Schema):
    topup_no = Number
    pay_code = PayCode
    member = ma.fields.Nested(PosMemberSchema)
    amount_fen = Fen
    plan_code = PlanCode
    store_id = StoreId

    @ma.validates_schema
    def _one_payer(self, data, **_kwargs):
        if ("pay_code" in data) == ("member" in data):
            raise ma.ValidationError("Give pay_code or member.")


class PosTopupOutSchema(ma.Schema):
    topup_id = ma.fields.Integer()
    topup_no = ma.fields.String()
    member_id = ma.fields.Integer()
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()
    bonus_points = ma.fields.Integer()
    wallet = ma.fields.Nested(WalletSchema)


class PosPaymentInSchema(ma.Schema):
    payment_no = Number
    pay_code = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6,32}$"))
    amount_fen = Fen
    order_no = ma.fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(1, 64))
    store_id = StoreId


class PosPaymentOutSchema(ma.Schema):
    payment_no = ma.fields.String()
    member_id = ma.fields.Integer()
    amount_fen = ma.fields.Integer()
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()
    points_earned = ma.fields.Integer(metadata={
        "description": "Points the payment earned under wallet.earn_on_payment"})
    wallet = ma.fields.Function(lambda p: {"principal_fen": p.principal_after,
                                           "gift_fen": p.gift_after})


class PosWalletRefundInSchema(ma.Schema):
    payment_no = Number
    refund_no = Number
    amount_fen = Fen


class PosWalletRefundOutSchema(ma.Schema):
    refund_no = ma.fields.String()
    amount_fen = ma.fields.Integer()
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()
    points_clawed = ma.fields.Integer(metadata={
        "description": "Points taken back in proportion (spent ones become points debt)"})
    wallet = ma.fields.Function(lambda r: {"principal_fen": r.principal_after,
                                           "gift_fen": r.gift_after})


class TopupRefundSchema(ma.Schema):
    id = ma.fields.Integer()
    topup_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    kind = ma.fields.String()
    method = ma.fields.String()
    status = ma.fields.String()
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()
    bonus_points = ma.fields.Integer()
    points_debt = ma.fields.Integer()
    requested_by = ma.fields.Integer(allow_none=True)
    approved_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class StaffRefundInSchema(ma.Schema):
    method = ma.fields.String(load_default="cash", validate=validate.OneOf(["cash", "provider"]))


class RefundListArgs(ma.Schema):
    status = ma.fields.String(load_default=None, validate=validate.OneOf(
        ["applied", "pending_approval", "rejected"]))
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None, validate=validate.Length(max=64))


class StaffWalletSchema(WalletSchema):
    member_id = ma.fields.Integer()
    entries = ma.fields.List(ma.fields.Nested(StaffWalletEntrySchema))
    topups = ma.fields.List(ma.fields.Nested(TopupSchema))


class StoreLiabilitySchema(ma.Schema):
    store_id = ma.fields.Integer(allow_none=True)
    store_name = ma.fields.String(allow_none=True)
    principal_fen = ma.fields.Integer()
    gift_fen = ma.fields.Integer()


class WalletReportSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from")
    to = ma.fields.String()
    liability_principal_fen = ma.fields.Integer()
    liability_gift_fen = ma.fields.Integer()
    topup_principal_fen = ma.fields.Integer()
    topup_gift_fen = ma.fields.Integer()
    payment_principal_fen = ma.fields.Integer()
    payment_gift_fen = ma.fields.Integer()
    payment_refund_principal_fen = ma.fields.Integer()
    payment_refund_gift_fen = ma.fields.Integer()
    topup_refund_principal_fen = ma.fields.Integer()
    topup_refund_gift_fen = ma.fields.Integer()
    gift_forfeit_principal_fen = ma.fields.Integer()
    gift_forfeit_gift_fen = ma.fields.Integer()
    stores = ma.fields.List(ma.fields.Nested(StoreLiabilitySchema))
