"""Growth value (成长值) and tiers: immediate upgrades, scheduled re-evaluation."""

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from core import events
from core.clock import now
from core.extensions import db
from core.models import Merchant
from loyalty import ledger
from loyalty import rules as pure
from loyalty.models import GrowthEvent, Member


def add_growth(member: Member, amount: int, source: str) -> None:
    """Grow a member's growth value and upgrade their tier at once (never down here).

    The account is locked first (the lock order in loyalty/ledger.py), then the growth is
    added in one UPDATE on the member row, so concurrent purchases never lose an update
    (on PostgreSQL both in the ledger's `jifen_grow`, one round trip)."""
    if amount <= 0:
        return
    if ledger.in_sql():
        grown(member, ledger.call("jifen_grow", merchant=member.merchant_id, member=member.id,
                                  amount=amount, source=source, now=now()))
        return
    ledger.lock_account(member.merchant_id, member.id)
    db.session.add(GrowthEvent(merchant_id=member.merchant_id, member_id=member.id,
                               amount=amount, source=source, created_at=now()))
    growth, code = db.session.execute(
        update(Member).where(Member.id == member.id)
        .values(growth_value=Member.growth_value + amount)
        .returning(Member.growth_value, Member.tier_code)
        .execution_options(synchronize_session=False)).one()
    grown(member, {"growth_value": growth, "tier_code": code})


def grown(member: Member, after: dict | None) -> None:
    """Take the growth a write answered with ({growth_value, tier_code}, None when nothing
    grew) and upgrade the tier when it reached a higher one (TIER_CHANGED)."""
    if after is None:
        return
    set_committed_value(member, "growth_value", after["growth_value"])
    set_committed_value(member, "tier_code", after["tier_code"])
    tiers = db.session.get(Merchant, member.merchant_id).rules["tiers"]
    reached = pure.tier_for(after["growth_value"], tiers)
    if _rank(reached["code"], tiers) > _rank(after["tier_code"], tiers):
        events.publish(events.TIER_CHANGED, member=member, after=reached["code"])
        member.tier_code = reached["code"]


def tier_of(member: Member, tiers: list[dict]) -> dict:
    """The member's tier definition (the entry tier if the code is no longer configured)."""
    return next((t for t in tiers if t["code"] == member.tier_code), tiers[0])


def reaches(member: Member, code: str, tiers: list[dict]) -> bool:
    """Whether the member's tier is `code` or above it."""
    return _rank(member.tier_code, tiers) >= _rank(code, tiers)


def _rank(code: str, tiers: list[dict]) -> int:
    ordered = sorted(tiers, key=lambda t: t["threshold"])
    return next((i for i, t in enumerate(ordered) if t["code"] == code), -1)


def evaluate(merchant: Merchant) -> dict:
    """Re-evaluate every member's tier; with rolling_12_months, growth older than a year lapses."""
    tiers = merchant.rules["tiers"]
    rolling = merchant.rules["tier_downgrade"] == "rolling_12_months"
    since = now() - timedelta(days=365)
    recent = dict(db.session.execute(
        select(GrowthEvent.member_id, func.sum(GrowthEvent.amount))
        .where(GrowthEvent.merchant_id == merchant.id, GrowthEvent.created_at >= since)
        .group_by(GrowthEvent.member_id)).all())
    changed = 0
    for member in db.session.execute(select(Member).where(
            Member.merchant_id == merchant.id)).scalars():
        if rolling:
            member.growth_value = int(recent.get(member.id, 0))
        code = pure.tier_for(member.growth_value, tiers)["code"]
        if code != member.tier_code:
            events.publish(events.TIER_CHANGED, member=member, after=code)
            member.tier_code, changed = code, changed + 1
    db.session.commit()
    return {"merchant_id": merchant.id, "changed": changed}
