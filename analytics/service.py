"""Aggregates over the ledger and members, scoped to one merchant (both databases)."""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import case, false, func, select, text

from analytics import rollup
from analytics.models import DailyActive, RollupMark
from analytics.periods import Period, as_utc, bucket_start, hour_bucket, local_range
from core.clock import now
from core.extensions import db
from core.models import Merchant
from engagement.models import ActivityCompletion, CheckIn, ReferralReward, Share, ShareVisit
from loyalty.models import LedgerEntry, Lot, Member, PointsAccount, PosOrder
from mall.models import Item, Order

SOLD = ("paid", "shipped", "completed")
MOVEMENTS = ("issued", "redeemed", "expired")
NOTHING_CLOSED = dict.fromkeys((*MOVEMENTS, "new_members", "active_members"), 0)


def summary(merchant: Merchant, start: date | None, end: date | None) -> dict:
    """Issued, redeemed, expired, redemption rate, liability, new/active members, tiers.

    Closed days come from the roll-up (cached per roll-up), the rest of the period live.
    """
    period = local_range(merchant.timezone, start, end)
    _serial()
    mark = db.session.get(RollupMark, merchant.id)
    through, live = _split(merchant, period, mark.through if mark else None)
    closed = (rollup.closed(merchant, through, period.start, min(through, period.end))
              if through else NOTHING_CLOSED)
    issued, redeemed, expired = (closed[k] + v for k, v in zip(
        MOVEMENTS, _live_movements(merchant, live), strict=True))
    tiers, joined = _members(merchant, live)
    liability = rollup.liability(merchant, mark)
    if liability is None:
        liability = _count(select(func.coalesce(func.sum(PointsAccount.balance), 0))
                           .where(PointsAccount.merchant_id == merchant.id))
    return {
        "from": period.start.isoformat(), "to": period.end.isoformat(),
        "issued": issued, "redeemed": redeemed, "expired": expired,
        "redemption_rate": round(redeemed / issued, 4) if issued else 0.0,
        "liability_points": liability,
        "liability_fen": liability * merchant.rules["point_value_fen"],
        "new_members": closed["new_members"] + joined,
        "active_members": closed["active_members"] + _newly_active(merchant, period, through,
                                                                   live),
        "tier_distribution": tiers,
    }


def _serial() -> None:
    """No parallel workers and no JIT for the rest of this transaction (PostgreSQL). The
    summary's scans are a day's entries and the members: each is a few milliseconds in one
    process, and starting two parallel workers (and JIT-compiling a plan whose estimate is
    high) cost more than the scan itself — 40 ms instead of about 10 on a busy 2-core
    machine, measured with EXPLAIN ANALYZE."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('max_parallel_workers_per_gather', '0', true),"
                                " set_config('jit', 'off', true)"))


def engagement(merchant: Merchant, start: date | None, end: date | None) -> dict:
    """Check-ins, shares and their visits, referrals and activity tasks of the period."""
    period = local_range(merchant.timezone, start, end)
    checkins, checkin_members = db.session.execute(
        select(func.count(CheckIn.id), func.count(func.distinct(CheckIn.member_id)))
        .where(CheckIn.merchant_id == merchant.id,
               CheckIn.day.between(period.start, period.end))).one()
    visits, rewarded = db.session.execute(
        select(func.count(ShareVisit.id), func.coalesce(func.sum(case((ShareVisit.rewarded, 1),
                                                                      else_=0)), 0))
        .where(ShareVisit.merchant_id == merchant.id,
               ShareVisit.day.between(period.start, period.end))).one()

    def created(model, *where) -> int:
        return _count(select(func.count(model.id)).where(
            model.merchant_id == merchant.id, model.created_at >= period.since,
            model.created_at < period.until, *where))

    return {
        "from": period.start.isoformat(), "to": period.end.isoformat(),
        "checkins": int(checkins), "checkin_members": int(checkin_members),
        "shares": created(Share), "share_visits": int(visits), "rewarded_visits": int(rewarded),
        "referrals_invited": created(Member, Member.referrer_id.is_not(None)),
        "referrals_qualified": created(ReferralReward),
        "activity_tasks": created(ActivityCompletion),
    }


def _split(merchant: Merchant, period: Period,
           through: date | None) -> tuple[date | None, Period | None]:
    """The last rolled-up day if the period starts on one, and the period read live."""
    if through is None or through < period.start:
        return None, period
    if through >= period.end:
        return through, None
    return through, local_range(merchant.timezone, through + timedelta(days=1), period.end)


def _live_movements(merchant: Merchant, live: Period | None) -> tuple[int, int, int]:
    if live is None:
        return 0, 0, 0
    row = db.session.execute(select(*rollup.movement_columns())
                             .where(rollup.entries_in(merchant.id, live))).one()
    return tuple(int(v or 0) for v in row)


def _newly_active(merchant: Merchant, period: Period, through: date | None,
                  live: Period | None) -> int:
    """Members active in the live part who were not active on the period's closed days."""
    if live is None:
        return 0
    members = rollup.active_in(merchant.id, live).distinct().subquery()
    query = select(func.count()).select_from(members)
    if through is not None:
        # A scalar subquery, not NOT EXISTS: PostgreSQL then probes the (merchant, member,
        # day) index once per live member instead of hashing every closed day's row.
        seen = select(DailyActive.day).where(
            DailyActive.merchant_id == merchant.id, DailyActive.member_id == members.c.member_id,
            DailyActive.day.between(period.start, through)).limit(1).scalar_subquery()
        query = query.where(seen.is_(None))
    return _count(query)


def _count(query) -> int:
    return int(db.session.execute(query).scalar() or 0)


def _members(merchant: Merchant, live: Period | None) -> tuple[dict, int]:
    """Members per tier code (every configured tier listed, zero included) and the members
    who joined in the live part, in one pass over the merchant's members."""
    joined = rollup.joined_in(live) if live else false()
    rows = db.session.execute(
        select(Member.tier_code, func.count(Member.id).filter(Member.anonymized_at.is_(None)),
               func.count(Member.id).filter(joined))
        .where(Member.merchant_id == merchant.id).group_by(Member.tier_code)).all()
    counts = {code: int(n) for code, n, _ in rows}
    tiers = {t["code"]: counts.get(t["code"], 0) for t in merchant.rules["tiers"]}
    return tiers, sum(int(n) for _, _, n in rows)


def timeseries(merchant: Merchant, start: date | None, end: date | None,
               bucket: str) -> list[dict]:
    """Issued/redeemed/expired per local day, week or month (hours rolled up in Python)."""
    period = local_range(merchant.timezone, start, end)
    hour = hour_bucket(LedgerEntry.created_at, db.engine.dialect.name)
    rows = db.session.execute(
        select(hour, *rollup.movement_columns())
        .where(LedgerEntry.merchant_id == merchant.id, LedgerEntry.created_at >= period.since,
               LedgerEntry.created_at < period.until)
        .group_by(hour)).all()
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for moment, *values in rows:
        slot = totals[bucket_start(as_utc(moment), merchant.timezone, bucket)]
        for i, value in enumerate(values):
            slot[i] += int(value or 0)
    return [{"period": period.isoformat(), "issued": v[0], "redeemed": v[1], "expired": v[2]}
            for period, v in sorted(totals.items())]


def churn(merchant: Merchant, idle_days: int) -> list[dict]:
    """Members with no ledger activity (or none at all) for more than `idle_days`."""
    cutoff = now() - timedelta(days=idle_days)
    last = (select(LedgerEntry.member_id, func.max(LedgerEntry.created_at).label("last_at"))
            .where(LedgerEntry.merchant_id == merchant.id,
                   LedgerEntry.reason_code.notin_(("expiry", "signup")))
            .group_by(LedgerEntry.member_id).subquery())
    rows = db.session.execute(
        select(Member, last.c.last_at, PointsAccount.balance)
        .join(PointsAccount, PointsAccount.member_id == Member.id)
        .outerjoin(last, last.c.member_id == Member.id)
        .where(Member.merchant_id == merchant.id, Member.anonymized_at.is_(None),
               func.coalesce(last.c.last_at, Member.created_at) < cutoff)
        .order_by(func.coalesce(last.c.last_at, Member.created_at)).limit(1000)).all()
    return [{"member_id": m.id, "card_no": m.card_no, "nickname": m.nickname,
             "last_activity_at": as_utc(last_at or m.created_at).isoformat(),
             "balance": balance} for m, last_at, balance in rows]


def expiring(merchant: Merchant, within_days: int) -> list[dict]:
    """Members whose points expire within `within_days`, soonest first."""
    moment = now()
    rows = db.session.execute(
        select(Member.id, Member.card_no, Member.nickname, func.sum(Lot.remaining),
               func.min(Lot.expires_at))
        .join(PointsAccount, PointsAccount.id == Lot.account_id)
        .join(Member, Member.id == PointsAccount.member_id)
        .where(Lot.merchant_id == merchant.id, Lot.remaining > 0, Lot.expired_at.is_(None),
               Lot.expires_at > moment, Lot.expires_at <= moment + timedelta(days=within_days))
        .group_by(Member.id, Member.card_no, Member.nickname)
        .order_by(func.min(Lot.expires_at)).limit(1000)).all()
    return [{"member_id": r[0], "card_no": r[1], "nickname": r[2], "points": int(r[3]),
             "first_expiry_at": as_utc(r[4]).isoformat()} for r in rows]


def repurchase(merchant: Merchant) -> dict:
    """Members with two or more purchases in the last 12 months, over members who bought."""
    since = now() - timedelta(days=365)
    per_member = (select(PosOrder.member_id, func.count(PosOrder.id).label("n"))
                  .where(PosOrder.merchant_id == merchant.id, PosOrder.paid_at >= since)
                  .group_by(PosOrder.member_id).subquery())
    buyers, repeaters = db.session.execute(select(
        func.count(per_member.c.member_id),
        func.coalesce(func.sum(case((per_member.c.n >= 2, 1), else_=0)), 0))).one()
    return {"buyers": int(buyers), "repeat_buyers": int(repeaters),
            "repurchase_rate": round(int(repeaters) / int(buyers), 4) if buyers else 0.0}


def top_items(merchant: Merchant, start: date | None, end: date | None,
              limit: int) -> list[dict]:
    """Items by units sold in paid (not cancelled or refunded) mall orders of the period."""
    period = local_range(merchant.timezone, start, end)
    rows = db.session.execute(
        select(Item.id, Item.title, Item.type, func.sum(Order.quantity),
               func.sum(Order.points), func.sum(Order.cash_fen), func.count(Order.id))
        .join(Item, Item.id == Order.item_id)
        .where(Order.merchant_id == merchant.id, Order.status.in_(SOLD),
               Order.paid_at >= period.since, Order.paid_at < period.until)
        .group_by(Item.id, Item.title, Item.type)
        .order_by(func.sum(Order.quantity).desc(), Item.id).limit(limit)).all()
    return [{"item_id": r[0], "title": r[1], "type": r[2], "units": int(r[3]),
             "points": int(r[4]), "cash_fen": int(r[5]), "orders": int(r[6])} for r in rows]
