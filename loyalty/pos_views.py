"""Signed server-to-server endpoints for store systems: /api/v1/pos/…

A repeated order_no or refund_no is answered as the first time on its own; an
Idempotency-Key is honoured too, as on every POST that moves points (API.md).
"""

from flask import g

from core.api import Blueprint
from core.idempotency import idempotent
from loyalty import earning
from loyalty.pos import pos_signed
from loyalty.schemas import (
    PosOrderInSchema,
    PosOrderOutSchema,
    PosRefundInSchema,
    PosRefundOutSchema,
)

blp = Blueprint("pos", __name__, url_prefix="/api/v1/pos",
                description="Store systems report purchases and refunds (HMAC-signed).")


@blp.post("/orders")
@pos_signed
@idempotent
@blp.arguments(PosOrderInSchema)
@blp.response(200, PosOrderOutSchema)
def post_order(args):
    """Report a paid order; the same order_no earns once and returns the first answer."""
    return earning.record_purchase(g.merchant, **args)


@blp.post("/refunds")
@pos_signed
@idempotent
@blp.arguments(PosRefundInSchema)
@blp.response(200, PosRefundOutSchema)
def post_refund(args):
    """Report a refund; points are clawed back in proportion, once per refund_no."""
    return earning.record_refund(g.merchant, **args)
