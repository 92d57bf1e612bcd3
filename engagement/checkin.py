"""Daily check-in (签到): once per local calendar day, points from the streak ladder.

Redis `SET NX` on (member, day) turns away double taps before the database is touched;
the unique (member_id, day) row is the guarantee when Redis has forgotten.
"""

import calendar
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import keys
from core.clock import local_date, now
from core.errors import AlreadyCheckedIn
from core.extensions import db, rds
from core.models import Merchant
from engagement import policy, rewards
from engagement.models import CheckIn
from loyalty import ledger, members, tiers
from loyalty.models import Member

CLAIM_TTL = 2 * 24 * 3600  # longer than any local day lasts in UTC


def check_in(member: Member) -> CheckIn:
    """Check the member in for today; a second time today is 409 ALREADY_CHECKED_IN."""
    members.ensure_active(member)
    merchant = db.session.get(Merchant, member.merchant_id)
    today = local_date(now(), merchant.timezone)
    claim = keys.checkin_day(member.merchant_id, member.id, today)
    if not rds.set(claim, "1", nx=True, ex=CLAIM_TTL):
        raise AlreadyCheckedIn()
    try:
        checkin = _record(merchant, member, today)
        db.session.expunge(checkin)  # the answer is the row as written: no reload after commit
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise AlreadyCheckedIn() from exc
    except BaseException:
        rds.delete(claim)  # nothing was recorded: the member may try again today
        raise
    return checkin


def _record(merchant: Merchant, member: Member, today: date) -> CheckIn:
    ladder, key = merchant.rules["checkin"]["ladder"], f"checkin:{member.id}:{today.isoformat()}"
    if ledger.in_sql():  # streak, check-in, credit and growth in one round trip
        moment = now()
        done = ledger.call("jifen_checkin", merchant=merchant.id, member=member.id, day=today,
                           ladder=ladder, key=key, expires_at=ledger.expiry_of(merchant, moment),
                           now=moment)
        tiers.grown(member, done["growth"])
        return ledger.adopt(CheckIn, done["checkin"])
    yesterday = _checkin_on(member.id, today - timedelta(days=1))
    streak = yesterday.streak + 1 if yesterday else 1
    checkin = CheckIn(merchant_id=member.merchant_id, member_id=member.id, day=today,
                      streak=streak, points=policy.ladder_points(ladder, streak))
    db.session.add(checkin)
    db.session.flush()
    rewards.credit(member, checkin.points, reason="checkin",
                   ref=ledger.Ref("checkin", str(checkin.id)), key=key)
    return checkin


def _checkin_on(member_id: int, day: date) -> CheckIn | None:
    return db.session.execute(select(CheckIn).where(
        CheckIn.member_id == member_id, CheckIn.day == day)).scalar_one_or_none()


def calendar_of(member: Member, month: str | None) -> dict:
    """The days checked in during a month (default: this one), the streak, today's status."""
    merchant = db.session.get(Merchant, member.merchant_id)
    today = local_date(now(), merchant.timezone)
    first = date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    days = db.session.execute(select(CheckIn.day).where(
        CheckIn.member_id == member.id, CheckIn.day.between(first, last))
        .order_by(CheckIn.day)).scalars().all()
    latest = _checkin_on(member.id, today) or _checkin_on(member.id, today - timedelta(days=1))
    streak = latest.streak if latest else 0
    return {"month": first.strftime("%Y-%m"), "days": days, "streak": streak,
            "today_checked_in": bool(latest and latest.day == today),
            "next_points": policy.ladder_points(merchant.rules["checkin"]["ladder"], streak + 1)}
