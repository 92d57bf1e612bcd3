"""Sharing (分享): a sharer earns when a distinct other member opens a share, capped per day.

Visits to one sharer are serialised on the sharer's account row, so the daily cap holds
under concurrency; the unique (sharer, day, visitor) row makes every visitor count once.
"""

import secrets

from sqlalchemy import func, select

from core.clock import local_date, now
from core.extensions import db
from core.models import Merchant
from engagement import policy, rewards
from engagement.models import Share, ShareVisit
from loyalty import ledger
from loyalty.models import Member


def create(member: Member, *, target_type: str, target_id: str | None = None) -> Share:
    """A new share of a target by the member, with an unguessable token."""
    share = Share(merchant_id=member.merchant_id, member_id=member.id,
                  token=secrets.token_urlsafe(16), target_type=target_type, target_id=target_id)
    db.session.add(share)
    db.session.commit()
    return share


def url_path(share: Share) -> str:
    """The mini-program page that opens a share."""
    return f"/pages/share/index?token={share.token}"


def visit(visitor: Member, token: str) -> dict:
    """Record the visitor opening a share; reward its sharer within the daily cap."""
    share = db.session.execute(select(Share).where(
        Share.merchant_id == visitor.merchant_id, Share.token == token)).scalar_one_or_none()
    if share is None:
        return _answer(None, "unknown_share")
    if share.member_id == visitor.id:
        return _answer(share, "self_visit")
    merchant = db.session.get(Merchant, share.merchant_id)
    today = local_date(now(), merchant.timezone)
    ledger.lock_account(share.merchant_id, share.member_id)  # one visit to a sharer at a time
    if _visited(share.member_id, visitor.id, today):
        return _answer(share, "repeat_visitor")
    record, reason = _record(merchant.rules["share"], share, visitor, today)
    db.session.commit()
    return _answer(share, reason, record.points)


def _record(rules: dict, share: Share, visitor: Member, today) -> tuple[ShareVisit, str | None]:
    sharer = db.session.get(Member, share.member_id)
    reason = policy.visit_refusal(sharer_active=rewards.may_earn(sharer),
                                  rewarded_today=_rewarded_on(sharer.id, today),
                                  cap=rules["max_rewarded_visits_per_day"])
    record = ShareVisit(merchant_id=share.merchant_id, share_id=share.id, sharer_id=sharer.id,
                        visitor_id=visitor.id, day=today, rewarded=reason is None,
                        points=0 if reason else rules["points_per_visit"])
    db.session.add(record)
    db.session.flush()
    rewards.credit(sharer, record.points, reason="share_visit",
                   ref=ledger.Ref("share_visit", str(record.id)),
                   key=f"share:{sharer.id}:{visitor.id}:{today.isoformat()}")
    return record, reason


def _visited(sharer_id: int, visitor_id: int, day) -> bool:
    return db.session.execute(select(ShareVisit.id).where(
        ShareVisit.sharer_id == sharer_id, ShareVisit.day == day,
        ShareVisit.visitor_id == visitor_id)).first() is not None


def _rewarded_on(sharer_id: int, day) -> int:
    return db.session.execute(select(func.count(ShareVisit.id)).where(
        ShareVisit.sharer_id == sharer_id, ShareVisit.day == day,
        ShareVisit.rewarded.is_(True))).scalar()


def _answer(share: Share | None, reason: str | None, points: int = 0) -> dict:
    return {"rewarded": reason is None, "points": points, "reason": reason,
            "target_type": share.target_type if share else None,
            "target_id": share.target_id if share else None}
