"""Treatment packages and their uses, advisors of members, follow-up visits.

A package's `sessions_left` only goes down under the package row's lock, and the check
constraint keeps it from ever going below zero; a use's (merchant, use_no) is unique, so a
replayed scan is answered from the use it recorded.
"""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class Package(db.Model):
    """N sessions of a service valid until `expires_at`, from a mall order or a counter sale."""

    __tablename__ = "care_packages"
    __table_args__ = (CheckConstraint("sessions_left >= 0", name="sessions_not_negative"),
                      UniqueConstraint("merchant_id", "sale_no"),
                      Index("ix_care_packages_member", "member_id", "id"),
                      Index("ix_care_packages_expiry", "merchant_id", "expires_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("mall_items.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("mall_orders.id"), index=True)
    sale_no: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    category: Mapped[str | None] = mapped_column(String(64))
    sessions_total: Mapped[int]
    sessions_left: Mapped[int]
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="active")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_points: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_sessions: Mapped[int] = mapped_column(default=0)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    uses: Mapped[list["PackageUse"]] = relationship(order_by="PackageUse.id", lazy="selectin")

    def shown_status(self, moment: datetime) -> str:
        """active | used_up | expired | refunded."""
        if self.status == "active" and self.sessions_left == 0:
            return "used_up"
        if self.status == "active" and self.expires_at <= moment:
            return "expired"
        return self.status


class PackageUse(db.Model):
    """One session written off in store."""

    __tablename__ = "care_package_uses"
    __table_args__ = (UniqueConstraint("merchant_id", "use_no"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    package_id: Mapped[int] = mapped_column(ForeignKey("care_packages.id"), index=True)
    use_no: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    sessions_left: Mapped[int]
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Advisor(db.Model):
    """The staff member who looks after a member (专属顾问)."""

    __tablename__ = "care_advisors"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class FollowUp(db.Model):
    """A follow-up visit (回访) due `days` after a qualifying order, once per order and day."""

    __tablename__ = "care_follow_ups"
    __table_args__ = (UniqueConstraint("merchant_id", "order_no", "days"),
                      Index("ix_care_follow_ups_assignee", "merchant_id", "assignee_id",
                            "status"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    order_no: Mapped[str] = mapped_column(String(80))
    days: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    completed_on_time: Mapped[bool | None]  # done by the end of its local due day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
