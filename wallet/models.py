"""The wallet ledger and what moves it: top-ups, payments, payment refunds, top-up refunds.

Invariants (checked by `flask wallet verify`): account.principal_fen = Σ entry.principal_fen
≥ 0 and account.gift_fen = Σ entry.gift_fen ≥ 0, and each entry's *_after = the previous
entry's *_after + its amounts. Entries are never updated or deleted; `wallet.ledger.post`
is the only writer of balances.
"""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class WalletAccount(db.Model):
    """One per member; changed only by `wallet.ledger.post`."""

    __tablename__ = "wallet_accounts"
    __table_args__ = (
        UniqueConstraint("merchant_id", "member_id"),
        CheckConstraint("principal_fen >= 0", name="principal_not_negative"),
        CheckConstraint("gift_fen >= 0", name="gift_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    gift_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class WalletEntry(db.Model):
    """An immutable change of one wallet: signed principal and gift parts."""

    __tablename__ = "wallet_entries"
    __table_args__ = (Index("ix_wallet_entries_account_id_id", "account_id", "id"),
                      Index("ix_wallet_entries_merchant_created", "merchant_id", "created_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("wallet_accounts.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    type: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(32))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    gift_fen: Mapped[int] = mapped_column(BigInteger)
    principal_after: Mapped[int] = mapped_column(BigInteger)
    gift_after: Mapped[int] = mapped_column(BigInteger)
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Topup(db.Model):
    """Money paid in (at the counter, or by the member through the payment provider)."""

    __tablename__ = "wallet_topups"
    __table_args__ = (UniqueConstraint("merchant_id", "topup_no"),
                      Index("ix_wallet_topups_due", "status", "pay_deadline"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    topup_no: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # counter | member
    plan_code: Mapped[str | None] = mapped_column(String(32))
    rules_version: Mapped[int | None]
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    gift_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_points: Mapped[int] = mapped_column(BigInteger, default=0)
    # pending_payment → paid → (refund_pending →) refunded; pending_payment → expired
    status: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    pay_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_ref: Mapped[str | None] = mapped_column(String(128))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("wallet_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def order_no(self) -> str:
        """What the payment provider calls it."""
        return f"wallet-{self.topup_no}"


class Payment(db.Model):
    """A payment from the wallet at the counter, with the parts it took."""

    __tablename__ = "wallet_payments"
    __table_args__ = (UniqueConstraint("merchant_id", "payment_no"),
                      CheckConstraint("refunded_fen <= amount_fen", name="refund_within_amount"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    payment_no: Mapped[str] = mapped_column(String(64))
    order_no: Mapped[str | None] = mapped_column(String(64))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    gift_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_gift_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    points_clawed: Mapped[int] = mapped_column(BigInteger, default=0)
    principal_after: Mapped[int] = mapped_column(BigInteger)
    gift_after: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PaymentRefund(db.Model):
    """Part of a payment given back to the wallet, once per refund_no."""

    __tablename__ = "wallet_payment_refunds"
    __table_args__ = (UniqueConstraint("merchant_id", "refund_no"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    payment_id: Mapped[int] = mapped_column(ForeignKey("wallet_payments.id"), index=True)
    refund_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    gift_fen: Mapped[int] = mapped_column(BigInteger)
    points_clawed: Mapped[int] = mapped_column(BigInteger, default=0)
    principal_after: Mapped[int] = mapped_column(BigInteger)
    gift_after: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class TopupRefund(db.Model):
    """Money of a top-up going back to the member; large ones wait for a second person."""

    __tablename__ = "wallet_topup_refunds"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    topup_id: Mapped[int] = mapped_column(ForeignKey("wallet_topups.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # cooling_off | unused_principal
    method: Mapped[str] = mapped_column(String(16))  # provider | cash
    status: Mapped[str] = mapped_column(String(20))  # pending_approval | applied | rejected
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    gift_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_points: Mapped[int] = mapped_column(BigInteger)
    points_debt: Mapped[int] = mapped_column(BigInteger, default=0)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    refund_ref: Mapped[str | None] = mapped_column(String(128))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("wallet_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
