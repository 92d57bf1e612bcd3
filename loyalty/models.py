"""Members and the points ledger.

Ledger invariants (checked by `flask ledger verify`):
  account.balance = Σ entry.amount = Σ live lot.remaining ≥ 0, and each entry's
  balance_after = previous balance_after + amount. Entries and consumptions are never
  updated or deleted; a lot's `remaining` moves only together with a consumption row.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class Member(db.Model):
    """A WeChat user enrolled with one merchant."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("merchant_id", "openid"),
                      UniqueConstraint("merchant_id", "card_no"),
                      Index("ix_members_merchant_phone", "merchant_id", "phone"),
                      Index("ix_members_merchant_phone_suffix", "merchant_id", "phone_suffix"),
                      Index("ix_members_merchant_created", "merchant_id", "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    openid: Mapped[str | None] = mapped_column(String(64))
    unionid: Mapped[str | None] = mapped_column(String(64))
    card_no: Mapped[str | None] = mapped_column(String(20))
    nickname: Mapped[str | None] = mapped_column(String(64))
    avatar_url: Mapped[str | None] = mapped_column(String(512))
    gender: Mapped[str | None] = mapped_column(String(8))
    birthday: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    # the last 4 digits, how front desks search (indexed; kept in step by _keep_suffix)
    phone_suffix: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(16), default="active")
    tier_code: Mapped[str] = mapped_column(String(32))
    growth_value: Mapped[int] = mapped_column(BigInteger, default=0)
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped["PointsAccount"] = relationship(back_populates="member", uselist=False)
    # loaded with the member by `members.get` (the token's member): the request's later
    # `session.get(Merchant, …)` finds it in the identity map, held alive by this reference
    merchant: Mapped["Merchant"] = relationship(viewonly=True)  # noqa: F821

    @validates("phone")
    def _keep_suffix(self, _key, phone):
        self.phone_suffix = phone[-4:] if phone else None
        return phone


class PointsAccount(db.Model):
    """One per member; changed only by `loyalty.ledger.post`."""

    __tablename__ = "points_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),
                      CheckConstraint("debt >= 0", name="debt_not_negative"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    debt: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    member: Mapped[Member] = relationship(back_populates="account")


class LedgerEntry(db.Model):
    """An immutable change of one balance."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key"),
                      Index("ix_ledger_entries_account_id_id", "account_id", "id"),
                      Index("ix_ledger_entries_merchant_created", "merchant_id", "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    type: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"),
                                                    unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Lot(db.Model):
    """Points earned together that expire together; `expired_at` set when written off."""

    __tablename__ = "lots"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_in_range"),
        Index("ix_lots_live_by_expiry", "account_id", "expires_at", "id",
              postgresql_where=text("remaining > 0"), sqlite_where=text("remaining > 0")),
        Index("ix_lots_due", "expires_at",
              postgresql_where=text("remaining > 0"), sqlite_where=text("remaining > 0")),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LotConsumption(db.Model):
    """How much one entry took from one lot (negative: gave back to it)."""

    __tablename__ = "lot_consumptions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class GrowthEvent(db.Model):
    """Growth value (成长值) gained; the rolling downgrade rule sums these."""

    __tablename__ = "growth_events"
    __table_args__ = (Index("ix_growth_events_member_created", "member_id", "created_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RulesVersion(db.Model):
    """Every version of a merchant's rules, kept for audit and rollback."""

    __tablename__ = "rules_versions"
    __table_args__ = (UniqueConstraint("merchant_id", "version"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    version: Mapped[int]
    rules: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Joined: the version list shows who saved each one without a query per row.
    saver: Mapped["Staff | None"] = relationship(lazy="joined")  # noqa: F821

    @property
    def created_by_username(self) -> str | None:
        return self.saver.username if self.saver else None


class Campaign(db.Model):
    """A time-boxed earning multiplier, optionally for some tiers or categories."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    multiplier = mapped_column(Numeric(6, 2), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    segment_id: Mapped[int | None] = mapped_column(BigInteger)  # crm segment; None = everyone


class Adjustment(db.Model):
    """A support correction; large ones wait for a manager's approval."""

    __tablename__ = "adjustments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    delta: Mapped[int] = mapped_column(BigInteger)
    reason_code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PosOrder(db.Model):
    """A purchase reported by a store system; `order_no` earns once."""

    __tablename__ = "pos_orders"
    __table_args__ = (UniqueConstraint("merchant_id", "order_no"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    order_no: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points_earned: Mapped[int] = mapped_column(BigInteger)
    points_clawed: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    category: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PosRefund(db.Model):
    """A refund of a POS order; `refund_no` claws back once."""

    __tablename__ = "pos_refunds"
    __table_args__ = (UniqueConstraint("merchant_id", "refund_no"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    refund_no: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("pos_orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    points_clawed: Mapped[int] = mapped_column(BigInteger)
    debt_added: Mapped[int] = mapped_column(BigInteger)
    flagged: Mapped[bool] = mapped_column(default=False)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class OutboxMessage(db.Model):
    """A notification or domain event waiting to be delivered, with retries."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("merchant_id", "dedupe_key"),
                      Index("ix_outbox_due", "status", "next_attempt_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Subscription(db.Model):
    """One-time subscribe-message grants a member gave for a template."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("member_id", "template_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    grants: Mapped[int] = mapped_column(default=0)
