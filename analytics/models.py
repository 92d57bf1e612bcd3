"""Daily roll-ups of the ledger, so summaries over long periods read days, not entries."""

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


class DailyPoints(db.Model):
    """Issued, redeemed and expired points of one merchant on one closed local day."""

    __tablename__ = "analytics_daily_points"
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(BigInteger)
    redeemed: Mapped[int] = mapped_column(BigInteger)
    expired: Mapped[int] = mapped_column(BigInteger)


class DailyActive(db.Model):
    """A member who had ledger activity (other than expiry) on a closed local day."""

    __tablename__ = "analytics_daily_active"
    # Summaries ask "was this member active on any closed day of the period?"
    __table_args__ = (Index("ix_analytics_daily_active_member", "merchant_id", "member_id",
                            "day"),)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class RollupMark(db.Model):
    """Every local day up to `through` is rolled up for this merchant; `points` is Σ of its
    entries up to the end of that day (None until the first roll-up that keeps it)."""

    __tablename__ = "analytics_rollup_marks"
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    through: Mapped[date] = mapped_column(Date)
    points: Mapped[int | None] = mapped_column(BigInteger)
