"""Request and response schemas of the counter."""

import marshmallow as ma
from marshmallow import validate

from loyalty.schemas import PosMemberSchema

MAX_FEN = 10**11  # a billion yuan: well past any bill, far below BIGINT
CODE = validate.Regexp(r"^[0-9]{18}$", error="18 digits.")


def _fen(minimum: int = 1):
    return ma.fields.Integer(required=True, strict=True, validate=validate.Range(minimum, MAX_FEN))


def _number():
    return ma.fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.:-]{1,64}$", error="1–64 letters, digits or _.:-"))


Category = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))


class PayCodeSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "18 digits, single use"})
    qr_payload = ma.fields.String()
    expires_at = ma.fields.DateTime()
    qr_image = ma.fields.String(metadata={"description": "the QR code as an SVG data URI"})


class QuoteInSchema(ma.Schema):
    pay_code = ma.fields.String(validate=CODE)
    member = ma.fields.Nested(PosMemberSchema)
    amount_fen = _fen()
    category = Category

    @ma.validates_schema
    def _one_member(self, data, **_kwargs):
        if ("pay_code" in data) == ("member" in data):
            raise ma.ValidationError("Give pay_code or member, not both.")


class QuoteSchema(ma.Schema):
    member_id = ma.fields.Integer()
    balance = ma.fields.Integer()
    max_points = ma.fields.Integer()
    max_discount_fen = ma.fields.Integer()
    fen_per_point = ma.fields.Integer()
    step = ma.fields.Integer()


class RedemptionInSchema(ma.Schema):
    redemption_no = _number()
    pay_code = ma.fields.String(required=True, validate=CODE,
                                metadata={"description": "the member's pay code; a card "
                                          "number, phone or member id can never spend"})
    amount_fen = _fen()
    points = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**12))
    category = Category
    store_id = ma.fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(1, 2**53))


class RedemptionSchema(ma.Schema):
    redemption_no = ma.fields.String()
    member_id = ma.fields.Integer()
    points = ma.fields.Integer()
    discount_fen = ma.fields.Integer()
    balance = ma.fields.Integer()


class VoidSchema(ma.Schema):
    redemption_no = ma.fields.String()
    points_returned = ma.fields.Integer()
    balance = ma.fields.Integer()


class PhoneInSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(1, 128),
                            metadata={"description": "from the getPhoneNumber button"})


class PhoneSchema(ma.Schema):
    phone_masked = ma.fields.String()
    verified = ma.fields.Boolean()
    claimed_points = ma.fields.Integer()


class CounterQuoteInSchema(ma.Schema):
    pay_code = ma.fields.String(required=True, validate=CODE)
    amount_fen = _fen()
    category = Category


class CounterQuoteSchema(QuoteSchema):
    nickname = ma.fields.String(allow_none=True)
    card_no = ma.fields.String()
