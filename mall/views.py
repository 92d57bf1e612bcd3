"""Mall endpoints: the catalogue and orders for members, items/orders/write-off for staff."""

from flask import Response, g, make_response

from auth.tokens import current_member, member_required, member_token_required, staff_required
from core.api import Blueprint
from core.extensions import db
from core.idempotency import client_key, idempotent
from core.pagination import ListArgs, page_schema, paginate
from mall import flash, images, items, orders, vouchers
from mall.models import Item, Order, Voucher
from mall.schemas import (
    FlashTicketSchema,
    ImageSchema,
    ImageUploadSchema,
    ItemListArgs,
    ItemSchema,
    MallItemListArgs,
    MallItemSchema,
    OrderInSchema,
    OrderListArgs,
    OrderSchema,
    RedeemInSchema,
    ShipInSchema,
    StaffOrderListArgs,
    StaffOrderSchema,
    StaffVoucherSchema,
    StockChangeSchema,
    VoucherSchema,
)

mall_blp = Blueprint("mall", __name__, url_prefix="/api/v1/mall",
                     description="The points mall for members: items and orders.")
me_blp = Blueprint("me_mall", __name__, url_prefix="/api/v1/me",
                   description="The member's own mall orders and vouchers.")
admin_blp = Blueprint("admin_mall", __name__, url_prefix="/api/v1/admin",
                      description="Merchant console: mall items, stock, orders, write-off.")
MANAGERS = ("owner", "manager")
CLERKS = ("owner", "manager", "clerk")
OrderPage = page_schema(OrderSchema, "OrderPage")


def _page(query, column, args: dict) -> dict:
    return paginate(db.session, query, column, limit=args.pop("limit"),
                    cursor=args.pop("cursor"))


@mall_blp.get("/items")
@member_required
@mall_blp.arguments(MallItemListArgs, location="query")
@mall_blp.response(200, page_schema(MallItemSchema, "MallItemPage"))
def list_mall_items(args):
    """Items on sale at the member's merchant, with stock left and the member's limit."""
    query = items.on_sale(g.member, category=args.pop("category"), type=args.pop("type"))
    page = _page(query, Item.id, args)
    items.for_member(g.member, page["items"])
    return page


@mall_blp.get("/items/<int:item_id>")
@member_required
@mall_blp.response(200, MallItemSchema)
def get_mall_item(item_id):
    """One item on sale, with stock left and the member's remaining limit."""
    return items.get_on_sale(g.member, item_id)


@mall_blp.post("/orders")
@member_token_required  # a sold-out item is refused by Redis alone: no database query
@idempotent
@mall_blp.arguments(OrderInSchema)
@mall_blp.response(201, OrderSchema)
@mall_blp.alt_response(202, schema=FlashTicketSchema,
                       description="A flash item (秒杀排队): the order is queued; poll its ticket")
def place_order(args):
    """Redeem an item: stock is held, points are debited, the order is written; for a flash
    item the order is queued instead (202 and a ticket) and a writer process writes it."""
    ticket = flash.enqueue(g.merchant_id, g.member_id, request_key=client_key(), **args)
    if ticket is not None:
        return make_response(FlashTicketSchema().dump(ticket), 202)
    return orders.place(g.merchant_id, g.member_id, current_member, request_key=client_key(),
                        **args)


@mall_blp.post("/orders/<int:order_id>/pay")
@member_required
@idempotent
@mall_blp.response(200, OrderSchema)
def pay_order(order_id):
    """Pay the cash part of a points + cash order (sandbox provider in dev and test)."""
    return orders.pay(g.member, order_id)


@mall_blp.post("/orders/<int:order_id>/cancel")
@member_required
@idempotent
@mall_blp.response(200, OrderSchema)
def cancel_order(order_id):
    """Cancel an order not yet shipped or used: points, stock and cash return."""
    return orders.cancel(g.member, order_id)


@me_blp.get("/orders")
@member_required
@me_blp.arguments(OrderListArgs, location="query")
@me_blp.response(200, OrderPage)
def list_my_orders(args):
    """The member's own mall orders, newest first."""
    return _page(orders.of_member(g.member, args.pop("status")), Order.id, args)


@me_blp.get("/orders/<int:order_id>")
@member_required
@me_blp.response(200, OrderSchema)
def get_my_order(order_id):
    """One of the member's own orders."""
    return orders.get(g.merchant_id, order_id, member_id=g.member.id)


@me_blp.get("/flash-tickets/<string(length=32):ticket>")
@member_token_required  # polled while queued: answered from Redis alone
@me_blp.response(200, FlashTicketSchema)
def get_my_flash_ticket(ticket):
    """A queued flash-sale order: queued, then its order's status and id, or failed."""
    return flash.ticket(g.merchant_id, g.member_id, ticket)


@me_blp.get("/vouchers")
@member_required
@me_blp.arguments(ListArgs, location="query")
@me_blp.response(200, page_schema(VoucherSchema, "VoucherPage"))
def list_my_vouchers(args):
    """The member's service and coupon vouchers, newest first."""
    return _page(vouchers.of_member(g.member), Voucher.id, args)


@me_blp.get("/vouchers/<code>/qr.png")
@member_required
@me_blp.response(200, description="PNG image of the voucher's QR code",
                 content_type="image/png")
def get_voucher_qr(code):
    """One of the member's vouchers as a QR code PNG, for the clerk to scan."""
    return Response(vouchers.qr_image(g.member, code), mimetype="image/png")


@admin_blp.get("/items")
@staff_required(*MANAGERS)
@admin_blp.arguments(ItemListArgs, location="query")
@admin_blp.response(200, page_schema(ItemSchema, "ItemPage"))
def list_items(args):
    """The merchant's items, newest first; `?status=` filters."""
    return _page(items.of_merchant(g.merchant_id, args.pop("status")), Item.id, args)


@admin_blp.post("/items")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.arguments(ItemSchema)
@admin_blp.response(201, ItemSchema)
def create_item(args):
    """Create an item (draft unless a status is given)."""
    return items.create(g.staff, args)


@admin_blp.post("/items/images")
@staff_required(*MANAGERS)
@admin_blp.arguments(ImageUploadSchema, location="files")
@admin_blp.response(201, ImageSchema)
def upload_item_image(args):
    """Upload an item picture (JPEG/PNG/WebP checked by content, resized); → its URL."""
    return images.upload(g.merchant_id, args["file"].stream)


@mall_blp.get("/images/<int:merchant_id>/<name>")
@mall_blp.response(200, description="JPEG picture", content_type="image/jpeg")
def get_item_image(merchant_id, name):
    """An item picture (public, cached: the name is its content hash)."""
    return Response(images.read(merchant_id, name), mimetype="image/jpeg",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@admin_blp.get("/items/<int:item_id>")
@staff_required(*MANAGERS)
@admin_blp.response(200, ItemSchema)
def get_item(item_id):
    """One item of this merchant."""
    return items.get(g.merchant_id, item_id)


@admin_blp.patch("/items/<int:item_id>")
@staff_required(*MANAGERS)
@admin_blp.arguments(ItemSchema(partial=True, exclude=("stock",)))
@admin_blp.response(200, ItemSchema)
def patch_item(args, item_id):
    """Change an item (stock changes go through POST …/stock)."""
    return items.update(g.staff, item_id, args)


@admin_blp.delete("/items/<int:item_id>")
@staff_required(*MANAGERS)
@admin_blp.response(204)
def delete_item(item_id):
    """Take an item off sale; it and its orders are kept."""
    items.retire(g.staff, item_id)


@admin_blp.post("/items/<int:item_id>/stock")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.arguments(StockChangeSchema)
@admin_blp.response(200, ItemSchema)
def change_stock(args, item_id):
    """Add units (`delta`) or set the stock (`set`): the database and Redis move together."""
    return items.change_stock(g.staff, item_id, **args)


@admin_blp.get("/orders")
@staff_required(*MANAGERS)
@admin_blp.arguments(StaffOrderListArgs, location="query")
@admin_blp.response(200, page_schema(StaffOrderSchema, "StaffOrderPage"))
def list_orders(args):
    """The merchant's mall orders, newest first; filter by status or member."""
    query = orders.of_merchant(g.merchant_id, status=args.pop("status"),
                               member_id=args.pop("member_id"))
    page = _page(query, Order.id, args)
    orders.annotate(g.merchant_id, page["items"])
    return page


@admin_blp.get("/orders/<int:order_id>")
@staff_required(*MANAGERS)
@admin_blp.response(200, StaffOrderSchema)
def get_order(order_id):
    """One mall order of this merchant, with the member's card and the store's name."""
    return orders.annotate(g.merchant_id, [orders.get(g.merchant_id, order_id)])[0]


@admin_blp.post("/orders/<int:order_id>/ship")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.arguments(ShipInSchema)
@admin_blp.response(200, StaffOrderSchema)
def ship_order(args, order_id):
    """Ship a paid goods order (optionally with a tracking number)."""
    return orders.ship(g.staff, order_id, **args)


@admin_blp.post("/orders/<int:order_id>/complete")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.response(200, StaffOrderSchema)
def complete_order(order_id):
    """Mark a paid or shipped order completed."""
    return orders.complete(g.staff, order_id)


@admin_blp.post("/orders/<int:order_id>/refund")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.response(200, StaffOrderSchema)
def refund_order(order_id):
    """Refund an order: points return lot-exactly, stock and cash go back."""
    return orders.refund(g.staff, order_id)


@admin_blp.get("/vouchers/<code>")
@staff_required(*CLERKS)
@admin_blp.response(200, StaffVoucherSchema)
def get_voucher(code):
    """A voucher with its member, item and order, for the clerk to confirm a write-off."""
    return orders.voucher_details(g.staff, code)


@admin_blp.post("/vouchers/redeem")
@staff_required(*CLERKS)
@idempotent
@admin_blp.arguments(RedeemInSchema)
@admin_blp.response(200, VoucherSchema)
def redeem_voucher(args):
    """Write a voucher off in store; a second write-off is 409 CONFLICT."""
    return orders.redeem_voucher(g.staff, args["code"])
