"""Lotteries, their prizes and draws; contests and their awards.

A prize's `stock` is the database truth (units not yet won; null = unlimited). Redis holds
a working copy (see `games.prize_stock`). A draw keeps the id of the Redis hold it came
from, so that a sync can tell a committed hold from one a crash left behind, and the
weights in force when it was drawn, so that support can show it was fair.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class Lottery(db.Model):
    """A points lottery: each draw costs `cost_points`, at most `daily_limit` a local day."""

    __tablename__ = "lotteries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    cost_points: Mapped[int] = mapped_column(BigInteger)
    daily_limit: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    prizes: Mapped[list["Prize"]] = relationship(order_by="Prize.id", back_populates="lottery")

    @property
    def live_prizes(self) -> list["Prize"]:
        return [prize for prize in self.prizes if prize.active]


class Prize(db.Model):
    """One prize of a lottery; a retired prize (`active` false) stays for the draw history."""

    __tablename__ = "lottery_prizes"
    __table_args__ = (CheckConstraint("stock >= 0", name="prize_stock_not_negative"),
                      CheckConstraint("weight > 0", name="prize_weight_positive"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lottery_id: Mapped[int] = mapped_column(ForeignKey("lotteries.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int | None] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("mall_items.id"))
    stock: Mapped[int | None] = mapped_column(BigInteger)
    weight: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    lottery: Mapped[Lottery] = relationship(back_populates="prizes")


class Draw(db.Model):
    """One draw: what it cost, what it won, and the weights it was drawn from."""

    __tablename__ = "lottery_draws"
    __table_args__ = (UniqueConstraint("member_id", "request_key"),
                      Index("ix_lottery_draws_member_day", "member_id", "lottery_id",
                            "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    lottery_id: Mapped[int] = mapped_column(ForeignKey("lotteries.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    request_key: Mapped[str] = mapped_column(String(80))
    reservation_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    prize_id: Mapped[int | None] = mapped_column(ForeignKey("lottery_prizes.id"))
    weights: Mapped[dict] = mapped_column(JSON)
    roll: Mapped[int] = mapped_column(BigInteger)
    points_spent: Mapped[int] = mapped_column(BigInteger)
    points_won: Mapped[int] = mapped_column(BigInteger, default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("mall_orders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    prize: Mapped[Prize | None] = relationship()


class Contest(db.Model):
    """A points contest over a window; `settled_at` is set once its awards are posted."""

    __tablename__ = "contests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    metric: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    awards: Mapped[list] = mapped_column(JSON)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ContestAward(db.Model):
    """Points awarded to one member for their final rank: once per contest and member."""

    __tablename__ = "contest_awards"
    __table_args__ = (UniqueConstraint("contest_id", "member_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    rank: Mapped[int]
    score: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
