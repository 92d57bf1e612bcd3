"""Campaigns (积分加倍): time-boxed multipliers, optionally for some tiers or categories."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from core import audit
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from loyalty import hooks
from loyalty.models import Campaign

FIELDS = ("name", "multiplier", "starts_at", "ends_at", "tiers", "categories", "segment_id")


def snapshot(campaign: Campaign) -> dict:
    """The audit view of a campaign."""
    return {f: str(getattr(campaign, f)) if f in ("multiplier", "starts_at", "ends_at")
            else getattr(campaign, f) for f in (*FIELDS, "status")}


def list_for(merchant_id: int):
    """A select of the merchant's campaigns that were not deleted."""
    return select(Campaign).where(Campaign.merchant_id == merchant_id,
                                  Campaign.status == "active")


def get(merchant_id: int, campaign_id: int) -> Campaign:
    """One live campaign of this merchant, or NOT_FOUND."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.merchant_id != merchant_id or campaign.status != "active":
        raise NotFound("Unknown campaign.")
    return campaign


def create(merchant_id: int, data: dict) -> Campaign:
    """A new campaign, audited."""
    _check_window(data["starts_at"], data["ends_at"])
    hooks.segments.check_targetable(merchant_id, data.get("segment_id"))
    campaign = Campaign(merchant_id=merchant_id, **data)
    db.session.add(campaign)
    db.session.flush()
    audit.record(merchant_id=merchant_id, action="campaign.create", target_type="campaign",
                 target_id=campaign.id, after=snapshot(campaign))
    db.session.commit()
    return campaign


def update(merchant_id: int, campaign_id: int, changes: dict) -> Campaign:
    """Change a campaign, audited with before/after."""
    campaign = get(merchant_id, campaign_id)
    before = snapshot(campaign)
    for field, value in changes.items():
        setattr(campaign, field, value)
    _check_window(campaign.starts_at, campaign.ends_at)
    hooks.segments.check_targetable(merchant_id, campaign.segment_id)
    audit.record(merchant_id=merchant_id, action="campaign.update", target_type="campaign",
                 target_id=campaign.id, before=before, after=snapshot(campaign))
    db.session.commit()
    return campaign


def delete(merchant_id: int, campaign_id: int) -> None:
    """Retire a campaign (kept for history)."""
    campaign = get(merchant_id, campaign_id)
    before = snapshot(campaign)
    campaign.status = "deleted"
    audit.record(merchant_id=merchant_id, action="campaign.delete", target_type="campaign",
                 target_id=campaign.id, before=before, after=snapshot(campaign))
    db.session.commit()


def active_multipliers(merchant_id: int, at: datetime, tier: str,
                       category: str | None, member_id: int | None = None) -> list[Decimal]:
    """Multipliers of campaigns running at `at` that apply to this tier, category and member."""
    running = db.session.execute(list_for(merchant_id).where(
        Campaign.starts_at <= at, Campaign.ends_at > at)).scalars()
    return [Decimal(c.multiplier) for c in running
            if (not c.tiers or tier in c.tiers)
            and (not c.categories or category in c.categories)
            and hooks.segments.targets(merchant_id, c.segment_id, member_id)]


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed(details={"ends_at": ["Must be after starts_at."]})
