"""Tags, RFM scores, segments, segment messages, import keys and webhooks."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.extensions import db
from core.types import BigId, UTCDateTime


class MemberTag(db.Model):
    """A label staff put on a member (客户画像标签)."""

    __tablename__ = "crm_member_tags"
    __table_args__ = (UniqueConstraint("member_id", "tag"),
                      Index("ix_crm_member_tags_merchant_tag", "merchant_id", "tag"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    tag: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RfmScore(db.Model):
    """A member's latest recency/frequency/monetary scores and named segment."""

    __tablename__ = "crm_rfm_scores"
    __table_args__ = (Index("ix_crm_rfm_scores_merchant_segment", "merchant_id", "segment"),)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True,
                                           autoincrement=False)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    recency_days: Mapped[int] = mapped_column(BigInteger)
    frequency: Mapped[int] = mapped_column(BigInteger)
    monetary_fen: Mapped[int] = mapped_column(BigInteger)
    r_score: Mapped[int] = mapped_column(SmallInteger)
    f_score: Mapped[int] = mapped_column(SmallInteger)
    m_score: Mapped[int] = mapped_column(SmallInteger)
    segment: Mapped[str] = mapped_column(String(16))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Segment(db.Model):
    """A saved member filter."""

    __tablename__ = "crm_segments"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    name: Mapped[str] = mapped_column(String(64))
    filter: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class SegmentSend(db.Model):
    """A subscribe message queued to a member from a segment: one per template per day."""

    __tablename__ = "crm_segment_sends"
    __table_args__ = (UniqueConstraint("member_id", "template_id", "day"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("crm_segments.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ImportKey(db.Model):
    """A legacy row key (phone or card number) already imported, and its member."""

    __tablename__ = "crm_import_keys"
    __table_args__ = (UniqueConstraint("merchant_id", "row_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    row_key: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    joined_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Webhook(db.Model):
    """An owner's endpoint for domain events; disabled after repeated failures."""

    __tablename__ = "crm_webhooks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class WebhookDelivery(db.Model):
    """One attempt to deliver one event to one webhook."""

    __tablename__ = "crm_webhook_deliveries"
    __table_args__ = (Index("ix_crm_webhook_deliveries_hook", "webhook_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("crm_webhooks.id"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    event: Mapped[str] = mapped_column(String(32))
    attempt: Mapped[int]
    status_code: Mapped[int | None]
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
