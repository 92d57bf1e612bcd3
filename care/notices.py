"""Packages expiring within 30 days join the expiring-notice job (`flask points
notify-expiring`): one subscribe message per package through the outbox, once."""

from datetime import timedelta

from sqlalchemy import select

from care.models import Package
from core.extensions import db
from core.models import Merchant
from loyalty.models import OutboxMessage  # the outbox is loyalty's delivery queue

NOTICE_DAYS = 30
HEADLINE = "疗程卡即将到期"


def queue_expiring(merchant: Merchant, moment) -> int:
    """Queue a notice for each active package expiring within 30 days (caller commits)."""
    soon = db.session.execute(select(Package).where(
        Package.merchant_id == merchant.id, Package.status == "active",
        Package.sessions_left > 0, Package.notified_at.is_(None),
        Package.expires_at > moment,
        Package.expires_at <= moment + timedelta(days=NOTICE_DAYS))).scalars().all()
    template = merchant.rules["notifications"]["expiry_template_id"]
    for package in soon:
        package.notified_at = moment
        db.session.add(OutboxMessage(
            merchant_id=merchant.id, member_id=package.member_id, kind="package_expiry",
            dedupe_key=f"package-expiry:{package.id}:{package.expires_at:%Y%m%d}",
            payload={"template_id": template, "headline": HEADLINE,
                     "points": package.sessions_left, "code": package.code,
                     "expires_at": package.expires_at.isoformat()},
            next_attempt_at=moment))
    return len(soon)
