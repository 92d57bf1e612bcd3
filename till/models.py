"""Pay codes, redemptions at the till and points held for walk-in phones."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class PayCode(db.Model):
    """A one-time code a member shows to pay; only a keyed hash of the code is stored.

    At most one active code per member (a partial unique index): a new code voids the old.
    """

    __tablename__ = "pay_codes"
    __table_args__ = (
        UniqueConstraint("code_hash"),
        Index("uq_pay_codes_one_active", "member_id", unique=True,
              postgresql_where=text("status = 'active'"),
              sqlite_where=text("status = 'active'")),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="active")  # active|used|void
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    # Set by `issue` only: the clear code is returned once and never stored.
    code = None


class Redemption(db.Model):
    """Points spent on a bill at the till; `redemption_no` (the POS's id) spends once.

    `order_id` ties it to the one order whose bill it paid; refunds of that order return
    its points in proportion (`points_returned`, cumulative).
    """

    __tablename__ = "till_redemptions"
    __table_args__ = (UniqueConstraint("merchant_id", "redemption_no"),
                      UniqueConstraint("order_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    redemption_no: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str | None] = mapped_column(String(64))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    status: Mapped[str] = mapped_column(String(8), default="redeemed")  # redeemed|voided
    order_id: Mapped[int | None] = mapped_column(ForeignKey("pos_orders.id"))
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    void_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    void_balance: Mapped[int | None] = mapped_column(BigInteger)
    void_points: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RedemptionReturn(db.Model):
    """Points a refund of the tied order gave back (one per refund_no)."""

    __tablename__ = "till_redemption_returns"
    __table_args__ = (UniqueConstraint("merchant_id", "refund_no"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    redemption_id: Mapped[int] = mapped_column(ForeignKey("till_redemptions.id"), index=True)
    refund_no: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PendingPoints(db.Model):
    """Purchase points in their return window (冻结期): outside the ledger until released.

    Invariant (`flask ledger verify`): 0 ≤ cancelled ≤ points; a released row with
    points left has exactly one ledger entry (`entry_id`) of points − cancelled; a
    pending row has none.
    """

    __tablename__ = "pending_points"
    __table_args__ = (UniqueConstraint("merchant_id", "order_no"),
                      Index("ix_pending_points_due", "status", "available_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(BigInteger)
    cancelled: Mapped[int] = mapped_column(BigInteger, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending|released
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class WalkInOrder(db.Model):
    """A purchase by a phone no member has: points held for that phone (a keyed hash).

    Claimed once by the member who verifies that phone through WeChat, before
    `expires_at`; a refund before the claim cancels held points.
    """

    __tablename__ = "walk_in_orders"
    __table_args__ = (UniqueConstraint("merchant_id", "order_no"),
                      Index("ix_walk_in_orders_phone", "merchant_id", "phone_hash", "status"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    order_no: Mapped[str] = mapped_column(String(64))
    phone_hash: Mapped[str] = mapped_column(String(64))
    phone_tail: Mapped[str] = mapped_column(String(4))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger)
    cancelled: Mapped[int] = mapped_column(BigInteger, default=0)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    category: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="held")  # held|claimed
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    claimed_points: Mapped[int | None] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class WalkInRefund(db.Model):
    """A refund of a walk-in order; `refund_no` applies once."""

    __tablename__ = "walk_in_refunds"
    __table_args__ = (UniqueConstraint("merchant_id", "refund_no"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    refund_no: Mapped[str] = mapped_column(String(64))
    walk_in_order_id: Mapped[int] = mapped_column(ForeignKey("walk_in_orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    points_cancelled: Mapped[int] = mapped_column(BigInteger)
    points_clawed: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class VerifiedPhone(db.Model):
    """A member's phone as WeChat verified it (keyed hash; the clear number is on the member)."""

    __tablename__ = "verified_phones"
    __table_args__ = (UniqueConstraint("member_id"),
                      Index("ix_verified_phones_hash", "merchant_id", "phone_hash"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    phone_hash: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
