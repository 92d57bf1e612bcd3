"""Vouchers of service and coupon items: unguessable codes, QR images, one write-off each."""

import secrets
from datetime import timedelta

from sqlalchemy import select

from core.clock import now
from core.errors import NotFound
from core.extensions import db
from loyalty.models import Member
from loyalty.statements import qr_png
from mall.models import Order, Voucher

# No 0/O, 1/I/L: clerks may type a code that will not scan. 31^16 ≈ 2^79 codes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 16
QR_PREFIX = "jifen://voucher/"


def new_code() -> str:
    """A fresh random voucher code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def issue(order: Order, valid_days: int) -> None:
    """One voucher per unit of a paid service or coupon order."""
    expires_at = now() + timedelta(days=valid_days)
    for _ in range(order.quantity):
        db.session.add(Voucher(merchant_id=order.merchant_id, member_id=order.member_id,
                               order_id=order.id, code=new_code(), expires_at=expires_at))
    db.session.flush()
    db.session.refresh(order, ["vouchers"])


def void_unused(order: Order) -> None:
    """Void the order's vouchers that were not used (cancel, refund)."""
    for voucher in order.vouchers:
        if voucher.status == "issued":
            voucher.status = "void"


def find(merchant_id: int, code: str) -> Voucher:
    """A voucher of this merchant by its code or scanned QR payload, or NOT_FOUND."""
    code = code.strip().removeprefix(QR_PREFIX).upper()
    voucher = db.session.execute(select(Voucher).where(
        Voucher.merchant_id == merchant_id, Voucher.code == code)).scalar_one_or_none()
    if voucher is None:
        raise NotFound("Unknown voucher.")
    return voucher


def of_member(member: Member):
    """A select of the member's vouchers (paginate it)."""
    return select(Voucher).where(Voucher.member_id == member.id,
                                 Voucher.merchant_id == member.merchant_id)


def qr_payload(voucher: Voucher) -> str:
    """What the voucher's QR code encodes (a clerk's scanner reads the code from it)."""
    return QR_PREFIX + voucher.code


def qr_image(member: Member, code: str) -> bytes:
    """The PNG QR code of one of the member's own vouchers."""
    voucher = find(member.merchant_id, code)
    if voucher.member_id != member.id:
        raise NotFound("Unknown voucher.")
    return qr_png(qr_payload(voucher))
