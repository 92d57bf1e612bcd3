"""Engagement records; each unique constraint is the once-only guarantee of a reward."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class CheckIn(db.Model):
    """One member's check-in on one local calendar day."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("member_id", "day"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    day: Mapped[date] = mapped_column(Date)
    streak: Mapped[int]
    points: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Share(db.Model):
    """A member's share of an item or page, behind an unguessable token."""

    __tablename__ = "shares"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ShareVisit(db.Model):
    """A distinct other member opening one sharer's shares on one local day."""

    __tablename__ = "share_visits"
    __table_args__ = (UniqueConstraint("sharer_id", "day", "visitor_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id"), index=True)
    sharer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    rewarded: Mapped[bool]
    points: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ReferralReward(db.Model):
    """Both sides of a referral rewarded, once per referee."""

    __tablename__ = "referral_rewards"
    __table_args__ = (Index("ix_referral_rewards_merchant_referrer", "merchant_id",
                            "referrer_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    referrer_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    referee_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    source: Mapped[str] = mapped_column(String(80))
    referrer_points: Mapped[int] = mapped_column(BigInteger)
    referee_points: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ActivityCompletion(db.Model):
    """The `seq`-th credit of a task to a member within one period (seq ≤ the task's limit)."""

    __tablename__ = "activity_completions"
    __table_args__ = (UniqueConstraint("member_id", "task_code", "period_key", "seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    task_code: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int]
    points: Mapped[int] = mapped_column(BigInteger)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
