"""`flask analytics rollup`: roll closed local days of the ledger into daily tables.

Entries are only ever appended at the current time, so a closed day never changes and is
rolled up once. Summaries read the roll-ups for closed days and the ledger for the rest;
what they read of closed days is cached (`closed`), keyed by the roll-up mark so that the
next roll-up starts a new key.
"""

import json
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, insert, literal, select

from analytics.models import DailyActive, DailyPoints, RollupMark
from analytics.periods import Period, local_range
from core import keys
from core.clock import local_date, now
from core.extensions import db, rds
from core.models import Merchant
from loyalty.models import LedgerEntry, Member

CLOSED_SECONDS = 2 * 86400  # a key outlives the next nightly roll-up, which replaces it

ISSUED = ("earn", "adjust")


def movement_columns():
    """Σ issued (earn, positive adjustments), Σ redeemed (net of returns), Σ expired."""
    amount, kind = LedgerEntry.amount, LedgerEntry.type
    return (func.sum(case((and_(kind.in_(ISSUED), amount > 0), amount), else_=0)),
            func.sum(case((kind.in_(("redeem", "refund")), -amount), else_=0)),
            func.sum(case((kind == "expire", -amount), else_=0)))


def entries_in(merchant_id: int, period: Period):
    """The condition for one merchant's entries inside a period."""
    return and_(LedgerEntry.merchant_id == merchant_id, LedgerEntry.created_at >= period.since,
                LedgerEntry.created_at < period.until)


def active_in(merchant_id: int, period: Period):
    """Members with ledger activity other than expiry in a period (a select)."""
    return select(LedgerEntry.member_id).where(entries_in(merchant_id, period),
                                               LedgerEntry.reason_code != "expiry")


def closed(merchant: Merchant, through: date, first: date, last: date) -> dict:
    """Issued, redeemed, expired, distinct active and new members of the rolled-up days
    [first, last] (last <= through), computed once per roll-up and then read from Redis."""
    key = keys.analytics_closed(merchant.id, through, first, last)
    if cached := rds.get(key):
        return json.loads(cached)
    days = DailyPoints.merchant_id == merchant.id, DailyPoints.day.between(first, last)
    issued, redeemed, expired = db.session.execute(select(
        func.sum(DailyPoints.issued), func.sum(DailyPoints.redeemed),
        func.sum(DailyPoints.expired)).where(*days)).one()
    span = local_range(merchant.timezone, first, last)
    totals = {
        "issued": int(issued or 0), "redeemed": int(redeemed or 0), "expired": int(expired or 0),
        "active_members": db.session.execute(
            select(func.count(func.distinct(DailyActive.member_id))).where(
                DailyActive.merchant_id == merchant.id,
                DailyActive.day.between(first, last))).scalar(),
        "new_members": new_members(merchant.id, span),
    }
    rds.set(key, json.dumps(totals), ex=CLOSED_SECONDS)
    return totals


def new_members(merchant_id: int, period: Period) -> int:
    """Members who joined in a period."""
    return db.session.execute(select(func.count(Member.id)).where(
        Member.merchant_id == merchant_id, joined_in(period))).scalar()


def joined_in(period: Period):
    """The condition for members who joined in a period."""
    return and_(Member.created_at >= period.since, Member.created_at < period.until)


def rolled_through(merchant_id: int) -> date | None:
    """The last rolled-up local day of a merchant, if any."""
    mark = db.session.get(RollupMark, merchant_id)
    return mark.through if mark else None


def liability(merchant: Merchant, mark: RollupMark | None) -> int | None:
    """Σ balances now, as the running total at the roll-up mark plus every entry since
    (balance = Σ entries, so this reads today's entries instead of every account);
    None before a roll-up has kept the running total."""
    if mark is None or mark.points is None:
        return None
    after = local_range(merchant.timezone, mark.through, mark.through).until
    return mark.points + points_since(merchant.id, after, None)


def rollup_all() -> dict:
    """Roll up every merchant's closed days that are not rolled up yet."""
    merchants = db.session.execute(select(Merchant)).scalars().all()
    return {"merchants": [{"merchant_id": m.id, "days": rollup(m)} for m in merchants]}


def rollup(merchant: Merchant) -> int:
    """Roll up the merchant's closed local days since the last run; returns how many."""
    yesterday = local_date(now(), merchant.timezone) - timedelta(days=1)
    day = _first_day_to_roll(merchant)
    if day is None or day > yesterday:
        return 0
    mark = db.session.get(RollupMark, merchant.id) or RollupMark(merchant_id=merchant.id)
    points = mark.points if mark.points is not None else points_since(
        merchant.id, None, local_range(merchant.timezone, day, day).since)
    count = 0
    while day <= yesterday:
        points += _roll_day(merchant, day)
        day, count = day + timedelta(days=1), count + 1
    mark.through, mark.points = yesterday, points
    db.session.add(mark)
    db.session.commit()
    return count


def _first_day_to_roll(merchant: Merchant) -> date | None:
    through = rolled_through(merchant.id)
    if through is not None:
        return through + timedelta(days=1)
    first = db.session.execute(select(func.min(LedgerEntry.created_at)).where(
        LedgerEntry.merchant_id == merchant.id)).scalar()
    return None if first is None else local_date(first, merchant.timezone)


def points_since(merchant_id: int, since: datetime | None, until: datetime | None) -> int:
    """Σ amount of a merchant's entries created in [since, until) (either end open)."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.merchant_id == merchant_id)
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    if until is not None:
        query = query.where(LedgerEntry.created_at < until)
    return int(db.session.execute(query).scalar())


def _roll_day(merchant: Merchant, day: date) -> int:
    """Roll up one day; returns the day's net change of the merchant's balances."""
    period = local_range(merchant.timezone, day, day)
    issued, redeemed, expired, net = db.session.execute(
        select(*movement_columns(), func.sum(LedgerEntry.amount))
        .where(entries_in(merchant.id, period))).one()
    db.session.add(DailyPoints(merchant_id=merchant.id, day=day, issued=int(issued or 0),
                               redeemed=int(redeemed or 0), expired=int(expired or 0)))
    members = active_in(merchant.id, period).distinct().subquery()
    db.session.execute(insert(DailyActive).from_select(
        ["merchant_id", "day", "member_id"],
        select(literal(merchant.id), literal(day), members.c.member_id)))
    return int(net or 0)
