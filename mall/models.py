"""Mall items, orders and vouchers; the order state machine.

An item's `stock` is the database truth: units not yet sold. Redis holds a working copy
(see `mall.stock`). An order keeps the id of the Redis reservation it came from, so that a
reconcile can tell a committed reservation from one a crash left behind.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from core.errors import Conflict
from core.extensions import db
from core.types import BigId, UTCDateTime

LIVE = ("pending_payment", "paid", "shipped", "completed")
VOUCHER_TYPES = ("service", "coupon")
# action → (the statuses it may start from, the status it leads to)
TRANSITIONS = {
    "pay": ({"pending_payment"}, "paid"),
    "ship": ({"paid"}, "shipped"),
    "complete": ({"paid", "shipped"}, "completed"),
    "cancel": ({"pending_payment", "paid"}, "cancelled"),
    "refund": ({"paid", "shipped", "completed"}, "refunded"),
}


class Item(db.Model):
    """Something members redeem: goods, a service (voucher) or a coupon."""

    __tablename__ = "mall_items"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),
                      Index("ix_mall_items_merchant_status", "merchant_id", "status"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    title: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64))
    points_price: Mapped[int] = mapped_column(BigInteger)
    cash_price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stock: Mapped[int] = mapped_column(BigInteger, default=0)
    limit_per_order: Mapped[int | None]
    limit_per_member_day: Mapped[int | None]
    limit_per_member_total: Mapped[int | None]
    min_tier: Mapped[str | None] = mapped_column(String(32))
    sale_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sale_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    flash: Mapped[bool] = mapped_column(default=False)  # orders queue (mall.flash)
    images: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    sessions: Mapped[int | None]  # packages: sessions per unit
    valid_days: Mapped[int | None]  # packages: days a package stays valid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class Order(db.Model):
    """A redemption: points debited at once, cash (if any) paid before the deadline."""

    __tablename__ = "mall_orders"
    __table_args__ = (UniqueConstraint("merchant_id", "order_no"),
                      Index("ix_mall_orders_member_item", "member_id", "item_id"),
                      Index("ix_mall_orders_due", "status", "pay_deadline"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("mall_items.id"))
    order_no: Mapped[str | None] = mapped_column(String(32))
    reservation_id: Mapped[str] = mapped_column(String(32), unique=True)
    quantity: Mapped[int]
    points: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    tracking_no: Mapped[str | None] = mapped_column(String(64))
    redeem_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    refund_ref: Mapped[str | None] = mapped_column(String(64))
    pay_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[Item] = relationship()
    vouchers: Mapped[list["Voucher"]] = relationship(order_by="Voucher.id", lazy="selectin")

    def advance(self, action: str) -> bool:
        """Apply a transition; False when the order is already there, CONFLICT if illegal."""
        sources, target = TRANSITIONS[action]
        if self.status == target:
            return False
        if self.status not in sources:
            raise Conflict(f"An order that is {self.status} cannot be {target}.",
                           details={"status": self.status})
        self.status = target
        setattr(self, f"{target}_at", now())
        return True


class Voucher(db.Model):
    """One unit of a service or coupon, written off in store exactly once."""

    __tablename__ = "mall_vouchers"
    __table_args__ = (Index("ix_mall_vouchers_member", "member_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("mall_orders.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def shown_status(self, moment: datetime) -> str:
        """issued | used | expired | void: an issued voucher past its expiry shows expired."""
        if self.status == "issued" and self.expires_at <= moment:
            return "expired"
        return self.status
