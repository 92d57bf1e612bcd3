"""Referrals (推荐): both sides earn once when the referee first buys; a Redis leaderboard.

Linking happens at registration (`loyalty.members`). The reward runs inside the purchase's
transaction (a domain event) and is once-only through the unique referee row and the
ledger's idempotency keys. The leaderboard is a sorted set of qualified referrals per
referrer; the database is the truth it is rebuilt from.
"""

from pathlib import Path

from sqlalchemy import func, select

from core import events, keys
from core.extensions import db, rds
from core.models import Merchant
from core.pagination import decode_cursor, encode_cursor
from engagement import rewards
from engagement.models import ReferralReward
from loyalty import ledger, members
from loyalty.models import Member

SET_IF_BOARD_EXISTS = (Path(__file__).parent / "leaderboard_set.lua").read_text()


def reward_first_purchase(*, member: Member, source: str) -> None:
    """Reward referrer and referee on the referee's first qualifying purchase, once."""
    if member.referrer_id is None:
        return
    ledger.lock_account(member.merchant_id, member.id)  # racing first purchases: one reward
    if db.session.execute(select(ReferralReward.id).where(
            ReferralReward.referee_id == member.id)).first():
        return
    rules = db.session.get(Merchant, member.merchant_id).rules["referral"]
    referrer = db.session.get(Member, member.referrer_id)
    reward = ReferralReward(
        merchant_id=member.merchant_id, referrer_id=referrer.id, referee_id=member.id,
        source=source, referrer_points=_points(referrer, rules["referrer_points"]),
        referee_points=_points(member, rules["referee_points"]))
    db.session.add(reward)
    db.session.flush()
    rewards.credit(referrer, reward.referrer_points, reason="referral_referrer",
                   ref=ledger.Ref("referee", str(member.id)), key=f"referral:referrer:{member.id}")
    rewards.credit(member, reward.referee_points, reason="referral_referee",
                   ref=ledger.Ref("referrer", str(referrer.id)),
                   key=f"referral:referee:{member.id}")
    _score(referrer)


def _points(member: Member, points: int) -> int:
    return points if rewards.may_earn(member) else 0


def reward_first_mall_order(*, member: Member, source: str) -> None:
    """The first paid mall order qualifies too when the merchant's rules say so."""
    rules = db.session.get(Merchant, member.merchant_id).rules["referral"]
    if rules["on_first_mall_order"]:
        reward_first_purchase(member=member, source=source)


events.subscribe(events.FIRST_PURCHASE, reward_first_purchase)
events.subscribe(events.FIRST_MALL_ORDER, reward_first_mall_order)


def _score(referrer: Member) -> None:
    # Counted while the referrer's account is locked, so racing rewards set it in order.
    qualified = db.session.execute(select(func.count(ReferralReward.id)).where(
        ReferralReward.referrer_id == referrer.id)).scalar()
    rds.eval(SET_IF_BOARD_EXISTS, 1, keys.referral_leaderboard(referrer.merchant_id),
             qualified, referrer.id)


def summary(member: Member) -> dict:
    """The member's code, how many they invited, how many qualified, points they earned."""
    return {"code": members.referral_code(member), **_stats([member.id])[member.id]}


def _stats(referrer_ids: list[int]) -> dict[int, dict]:
    invited = dict(db.session.execute(
        select(Member.referrer_id, func.count(Member.id))
        .where(Member.referrer_id.in_(referrer_ids)).group_by(Member.referrer_id)).all())
    rewarded = {referrer: (qualified, int(points)) for referrer, qualified, points in
                db.session.execute(
                    select(ReferralReward.referrer_id, func.count(ReferralReward.id),
                           func.sum(ReferralReward.referrer_points))
                    .where(ReferralReward.referrer_id.in_(referrer_ids))
                    .group_by(ReferralReward.referrer_id)).all()}
    return {referrer: _row(invited.get(referrer, 0), *rewarded.get(referrer, (0, 0)))
            for referrer in referrer_ids}


def _row(invited: int, qualified: int, points_earned: int) -> dict:
    return {"invited": invited, "qualified": qualified, "points_earned": points_earned,
            "conversion_rate": round(qualified / invited, 4) if invited else 0.0}


def rebuild_leaderboard(merchant_id: int) -> int:
    """Replace the merchant's leaderboard with the database's counts; returns its size."""
    counts = db.session.execute(
        select(ReferralReward.referrer_id, func.count(ReferralReward.id))
        .where(ReferralReward.merchant_id == merchant_id)
        .group_by(ReferralReward.referrer_id)).all()
    pipe = rds.pipeline()  # MULTI/EXEC: readers never see a half-built board
    pipe.delete(keys.referral_leaderboard(merchant_id))
    if counts:
        pipe.zadd(keys.referral_leaderboard(merchant_id),
                  {str(referrer): qualified for referrer, qualified in counts})
    pipe.execute()
    return len(counts)


def leaderboard(merchant_id: int, *, limit: int, cursor: str | None) -> dict:
    """Referrers ranked by qualified referrals (Redis), with their numbers (database)."""
    key = keys.referral_leaderboard(merchant_id)
    if not rds.exists(key):
        rebuild_leaderboard(merchant_id)
    offset = max(decode_cursor(cursor) or 0, 0)
    ranked = [int(member_id) for member_id in rds.zrevrange(key, offset, offset + limit)]
    more, ranked = len(ranked) > limit, ranked[:limit]
    people = {person.id: person for person in db.session.execute(select(Member).where(
        Member.merchant_id == merchant_id, Member.id.in_(ranked))).scalars()}
    stats = _stats(ranked)
    items = [{"rank": offset + position, "member_id": member_id,
              "nickname": people[member_id].nickname, "card_no": people[member_id].card_no,
              **stats[member_id]}
             for position, member_id in enumerate(ranked, start=1)]
    return {"items": items, "next_cursor": encode_cursor(offset + limit) if more else None}
