"""Pay codes, redemptions at the till and points held for walk-in phones."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
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
