"""Request and response schemas of the auth endpoints."""

import marshmallow as ma
from marshmallow import validate


class WeChatLoginSchema(ma.Schema):
    appid = ma.fields.String(required=True, validate=validate.Length(1, 64))
    code = ma.fields.String(required=True, validate=validate.Length(1, 128))
    referral_code = ma.fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=32))


class StaffLoginSchema(ma.Schema):
    merchant_id = ma.fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=1, max=2**53))
    username = ma.fields.String(required=True, validate=validate.Length(1, 64))
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(1, 256))


class StaffSchema(ma.Schema):
    id = ma.fields.Integer()
    merchant_id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String()
    store_id = ma.fields.Integer(allow_none=True)


class TokenPairSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)


class MemberLoginResultSchema(TokenPairSchema):
    # By name: the members' schema is loyalty's public face, and auth imports no domain.
    member = ma.fields.Nested("MemberSelfSchema", required=True)
    is_new = ma.fields.Boolean(required=True)


class StaffLoginResultSchema(TokenPairSchema):
    staff = ma.fields.Nested(StaffSchema, required=True)


class LogoutResultSchema(ma.Schema):
    revoked = ma.fields.Boolean(required=True)
