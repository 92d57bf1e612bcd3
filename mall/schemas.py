"""Request and response schemas of the mall endpoints."""

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import validate

from core.clock import now
from core.pagination import ListArgs
from loyalty.schemas import MemberCardSchema
from mall import vouchers
from mall.models import LIVE

TYPES = ("goods", "service", "coupon", "package")
ITEM_STATUSES = ("draft", "on_sale", "off_sale")
ORDER_STATUSES = (*LIVE, "cancelled", "refunded")


def _limit():
    return ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(1, 10_000),
                             metadata={"description": "null: no limit"})


def _optional_text(length: int):
    return ma.fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=length))


class ItemSchema(ma.Schema):
    """A mall item as staff manage it; `stock` is the database stock (units not yet sold)."""

    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=validate.Length(1, 120))
    type = ma.fields.String(required=True, validate=validate.OneOf(TYPES))
    category = _optional_text(64)
    points_price = ma.fields.Integer(required=True, strict=True,
                                     validate=validate.Range(1, 10**9))
    cash_price_fen = ma.fields.Integer(load_default=0, strict=True,
                                       validate=validate.Range(0, 10**9))
    stock = ma.fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10**7))
    limit_per_order = _limit()
    limit_per_member_day = _limit()
    limit_per_member_total = _limit()
    min_tier = _optional_text(32)
    sale_starts_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    sale_ends_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    status = ma.fields.String(load_default="draft", validate=validate.OneOf(ITEM_STATUSES))
    flash = ma.fields.Boolean(load_default=False, metadata={
        "description": "a flash sale (秒杀排队): orders are queued (202 and a ticket), "
                       "a writer process creates them"})
    images = ma.fields.List(ma.fields.Url(relative=True, absolute=True,
                                          validate=validate.Length(max=512)),
                            load_default=list, validate=validate.Length(max=9))
    description = _optional_text(5000)
    sessions = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=validate.Range(1, 1000),
                                 metadata={"description": "packages only (required there)"})
    valid_days = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                   validate=validate.Range(1, 3650),
                                   metadata={"description": "packages only (required there)"})
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class MallItemSchema(ItemSchema):
    """A mall item as a member sees it."""

    stock_left = ma.fields.Integer(dump_only=True)
    my_remaining_limit = ma.fields.Integer(dump_only=True, allow_none=True,
                                           metadata={"description": "null: no limit"})
    min_tier_name = ma.fields.String(dump_only=True, allow_none=True)
    unavailable_reason = ma.fields.String(
        dump_only=True, allow_none=True,
        metadata={"enum": ["not_started", "ended", "sold_out", "tier", "limit", None],
                  "description": "why the member cannot redeem it now; null: they can"})


class ItemListArgs(ListArgs):
    status = ma.fields.String(load_default=None, validate=validate.OneOf(ITEM_STATUSES))


class MallItemListArgs(ListArgs):
    category = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    type = ma.fields.String(load_default=None, validate=validate.OneOf(TYPES))


class StockChangeSchema(ma.Schema):
    """Exactly one of `delta` (add or remove units) and `set` (the new stock)."""

    delta = ma.fields.Integer(strict=True, validate=validate.Range(-10**7, 10**7))
    target = ma.fields.Integer(data_key="set", strict=True, validate=validate.Range(0, 10**7))

    @ma.validates_schema
    def _exactly_one(self, data, **_kwargs):
        if len(data) != 1:
            raise ma.ValidationError("Give exactly one of delta and set.")


class VoucherSchema(ma.Schema):
    code = ma.fields.String()
    qr_payload = ma.fields.Function(vouchers.qr_payload)
    qr_image_url = ma.fields.Function(lambda v: f"/api/v1/me/vouchers/{v.code}/qr.png")
    status = ma.fields.Function(lambda v: v.shown_status(now()),
                                metadata={"enum": ["issued", "used", "expired", "void"]})
    expires_at = ma.fields.DateTime()
    used_at = ma.fields.DateTime(allow_none=True)
    order_id = ma.fields.Integer()


class OrderInSchema(ma.Schema):
    item_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**53))
    quantity = ma.fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 99))
    address = _optional_text(500)
    store_id = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=validate.Range(1, 2**53))


class OrderSchema(ma.Schema):
    id = ma.fields.Integer()
    order_no = ma.fields.String()
    item_id = ma.fields.Integer()
    item_title = ma.fields.String(attribute="item.title")
    item_type = ma.fields.String(attribute="item.type")
    quantity = ma.fields.Integer()
    points = ma.fields.Integer()
    cash_fen = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(ORDER_STATUSES)})
    pay_deadline = ma.fields.DateTime(allow_none=True)
    address = ma.fields.String(allow_none=True)
    store_id = ma.fields.Integer(allow_none=True)
    tracking_no = ma.fields.String(allow_none=True)
    vouchers = ma.fields.List(ma.fields.Nested(VoucherSchema))
    created_at = ma.fields.DateTime()
    paid_at = ma.fields.DateTime(allow_none=True)
    shipped_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    refunded_at = ma.fields.DateTime(allow_none=True)


class FlashErrorSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class FlashTicketSchema(ma.Schema):
    """A queued order of a flash item: poll GET /api/v1/me/flash-tickets/{ticket}."""

    ticket = ma.fields.String()
    status = ma.fields.String(metadata={
        "enum": ["queued", "failed", *ORDER_STATUSES],
        "description": "queued, then the order's status once written (pending_payment or "
                       "paid), or failed (nothing was debited; stock and limit returned)"})
    order_id = ma.fields.Integer(allow_none=True)
    error = ma.fields.Nested(FlashErrorSchema, allow_none=True,
                             metadata={"description": "why it failed (the error codes of an "
                                                      "order: INSUFFICIENT_POINTS, …)"})


class StaffOrderSchema(OrderSchema):
    member_id = ma.fields.Integer()
    member = ma.fields.Nested(MemberCardSchema, allow_none=True)
    store_name = ma.fields.String(allow_none=True)
    payment_ref = ma.fields.String(allow_none=True)
    refund_ref = ma.fields.String(allow_none=True)


class OrderListArgs(ListArgs):
    status = ma.fields.String(load_default=None, validate=validate.OneOf(ORDER_STATUSES))


class StaffOrderListArgs(OrderListArgs):
    member_id = ma.fields.Integer(load_default=None, validate=validate.Range(1, 2**53))


class ShipInSchema(ma.Schema):
    tracking_no = _optional_text(64)


class RedeemInSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(12, 64),
                            metadata={"description": "the code, or the scanned QR payload"})


class ImageUploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "JPEG, PNG or WebP, at most 5 MB"})


class ImageSchema(ma.Schema):
    url = ma.fields.String(metadata={"description": "put it in the item's `images`"})
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    bytes = ma.fields.Integer()


class StaffVoucherSchema(ma.Schema):
    """A voucher as the clerk confirms it before writing it off."""

    code = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["issued", "used", "expired", "void"]})
    expires_at = ma.fields.DateTime()
    used_at = ma.fields.DateTime(allow_none=True)
    order_id = ma.fields.Integer()
    order_no = ma.fields.String()
    item_title = ma.fields.String()
    item_type = ma.fields.String()
    quantity = ma.fields.Integer()
    member = ma.fields.Nested(MemberCardSchema, allow_none=True)
    store_name = ma.fields.String(allow_none=True)
