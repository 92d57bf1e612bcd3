"""Merchant staff accounts."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime

ROLES = ("owner", "manager", "clerk", "support")


class Staff(db.Model):
    """A console user of one merchant; the username is unique within the merchant."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("merchant_id", "username"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
