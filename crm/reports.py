"""Reports the seeds ask for: members (new, gender, age, ticket, usage, referrals, warnings)
and stores. Money is fen in JSON; the CSVs add yuan beside the fen columns."""

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from analytics.periods import bucket_start, local_range
from core.clock import local_date, now
from core.extensions import db
from core.models import Merchant, Store
from loyalty.models import LedgerEntry, Member, PosOrder

BANDS = ((0, 20, "<20"), (20, 30, "20-29"), (30, 40, "30-39"), (40, 50, "40-49"),
         (50, 200, "50+"))
WARNING_FACTOR = 1.5


def yuan(fen: int | None) -> str | None:
    """Fen as a yuan string with two decimals (no float rounding)."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def age_band(birthday: date | None, today: date) -> str:
    """The age band of a birthday on a day (pure)."""
    if birthday is None:
        return "unknown"
    age = today.year - birthday.year - ((today.month, today.day) < (birthday.month,
                                                                     birthday.day))
    return next((name for low, high, name in BANDS if low <= age < high), "unknown")


def overdue(visits: list, moment) -> float | None:
    """Days past 1.5× the usual interval between visits (None when not overdue or < 2)."""
    if len(visits) < 2:
        return None
    usual = (visits[-1] - visits[0]) / (len(visits) - 1)
    since = moment - visits[-1]
    if usual.total_seconds() <= 0 or since <= usual * WARNING_FACTOR:
        return None
    return round(usual.total_seconds() / 86400, 1)


def members(merchant: Merchant, start: date | None, end: date | None, bucket: str) -> dict:
    """The member report of a period of local days."""
    period = local_range(merchant.timezone, start, end)
    previous = local_range(merchant.timezone, period.start - (period.end - period.start)
                           - timedelta(days=1), period.start - timedelta(days=1))
    ticket, before = _ticket(merchant.id, period), _ticket(merchant.id, previous)
    return {"from": period.start.isoformat(), "to": period.end.isoformat(),
            "new_members": _new_members(merchant, period, bucket),
            **_profiles(merchant),
            "average_ticket_fen": ticket, "previous_average_ticket_fen": before,
            "average_ticket_change": round((ticket - before) / before, 4)
            if ticket is not None and before else None,
            "points_usage_rate": _usage(merchant.id, period),
            "referral_conversion": _referrals(merchant.id, period),
            "consumption_warnings": _warnings(merchant.id)}


def _new_members(merchant, period, bucket) -> list[dict]:
    joined = db.session.scalars(select(Member.created_at).where(
        Member.merchant_id == merchant.id, Member.created_at >= period.since,
        Member.created_at < period.until))
    counts = Counter(bucket_start(at, merchant.timezone, bucket) for at in joined)
    return [{"period": day.isoformat(), "count": n} for day, n in sorted(counts.items())]


def _profiles(merchant) -> dict:
    today = local_date(now(), merchant.timezone)
    rows = db.session.execute(select(Member.gender, Member.birthday).where(
        Member.merchant_id == merchant.id, Member.anonymized_at.is_(None))).all()
    genders = Counter(gender or "unknown" for gender, _ in rows)
    bands = Counter(age_band(birthday, today) for _, birthday in rows)
    return {"gender": [{"gender": k, "count": v} for k, v in sorted(genders.items())],
            "age_bands": [{"band": name, "count": bands[name]}
                          for name in [b[2] for b in BANDS] + ["unknown"]]}


def _ticket(merchant_id, period) -> int | None:
    total, orders = db.session.execute(select(
        func.sum(PosOrder.amount_fen - PosOrder.refunded_fen), func.count()).where(
        PosOrder.merchant_id == merchant_id, PosOrder.paid_at >= period.since,
        PosOrder.paid_at < period.until)).one()
    return int(total) // orders if orders else None


def _usage(merchant_id, period) -> dict:
    rows = dict(db.session.execute(select(LedgerEntry.type, func.sum(LedgerEntry.amount)).where(
        LedgerEntry.merchant_id == merchant_id, LedgerEntry.created_at >= period.since,
        LedgerEntry.created_at < period.until,
        LedgerEntry.type.in_(("earn", "redeem", "refund"))).group_by(LedgerEntry.type)).all())
    issued = int(rows.get("earn") or 0)
    redeemed = -int(rows.get("redeem") or 0) - int(rows.get("refund") or 0)
    return {"issued": issued, "redeemed": redeemed,
            "rate": round(redeemed / issued, 4) if issued else None}


def _referrals(merchant_id, period) -> dict:
    referred = select(Member.id).where(
        Member.merchant_id == merchant_id, Member.referrer_id.is_not(None),
        Member.created_at >= period.since, Member.created_at < period.until)
    total = db.session.scalar(select(func.count()).select_from(referred.subquery()))
    bought = db.session.scalar(select(func.count(func.distinct(PosOrder.member_id))).where(
        PosOrder.member_id.in_(referred)))
    return {"referred": total, "purchased": bought,
            "rate": round(bought / total, 4) if total else None}


def _warnings(merchant_id) -> dict:
    visits: dict[int, list] = {}
    for member_id, paid_at in db.session.execute(select(PosOrder.member_id, PosOrder.paid_at)
                                                 .where(PosOrder.merchant_id == merchant_id)
                                                 .order_by(PosOrder.paid_at)):
        visits.setdefault(member_id, []).append(paid_at)
    moment = now()
    late = [{"member_id": member_id, "last_visit_at": dates[-1], "usual_interval_days": usual,
             "days_since": (moment - dates[-1]).days}
            for member_id, dates in visits.items()
            if (usual := overdue(dates, moment)) is not None]
    late.sort(key=lambda row: row["last_visit_at"])
    return {"count": len(late), "items": late[:100]}


def stores(merchant: Merchant, start: date | None, end: date | None) -> dict:
    """Orders, members, takings and average ticket per store over a period."""
    period = local_range(merchant.timezone, start, end)
    rows = db.session.execute(
        select(Store.id, Store.name, func.count(PosOrder.id),
               func.count(func.distinct(PosOrder.member_id)),
               func.coalesce(func.sum(PosOrder.amount_fen - PosOrder.refunded_fen), 0))
        .outerjoin(PosOrder, (PosOrder.store_id == Store.id) & (PosOrder.paid_at >= period.since)
                   & (PosOrder.paid_at < period.until))
        .where(Store.merchant_id == merchant.id).group_by(Store.id, Store.name)
        .order_by(Store.id)).all()
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "items": [
        {"store_id": sid, "store_name": name, "orders": orders, "members": buyers,
         "amount_fen": int(fen), "average_ticket_fen": int(fen) // orders if orders else None}
        for sid, name, orders, buyers, fen in rows]}


def members_csv_rows(report: dict) -> list[dict]:
    """The member report as 指标/数值 rows, yuan beside fen."""
    usage, referral = report["points_usage_rate"], report["referral_conversion"]
    rows = [("统计开始", report["from"]), ("统计结束", report["to"]),
            ("客单价(元)", yuan(report["average_ticket_fen"])),
            ("客单价(分)", report["average_ticket_fen"]),
            ("上期客单价(元)", yuan(report["previous_average_ticket_fen"])),
            ("上期客单价(分)", report["previous_average_ticket_fen"]),
            ("客单价提升率", report["average_ticket_change"]),
            ("积分发放", usage["issued"]), ("积分使用", usage["redeemed"]),
            ("积分使用率", usage["rate"]), ("推荐会员数", referral["referred"]),
            ("推荐成交数", referral["purchased"]), ("推荐成交率", referral["rate"]),
            ("消费预警人数", report["consumption_warnings"]["count"])]
    rows += [(f"新会员 {row['period']}", row["count"]) for row in report["new_members"]]
    rows += [(f"性别 {row['gender']}", row["count"]) for row in report["gender"]]
    rows += [(f"年龄 {row['band']}", row["count"]) for row in report["age_bands"]]
    return [{"指标": name, "数值": value} for name, value in rows]


def stores_csv_rows(report: dict) -> list[dict]:
    """Per-store rows with Chinese headers, yuan beside fen."""
    return [{"门店": row["store_name"], "订单数": row["orders"], "消费会员数": row["members"],
             "金额(元)": yuan(row["amount_fen"]), "金额(分)": row["amount_fen"],
             "客单价(元)": yuan(row["average_ticket_fen"]),
             "客单价(分)": row["average_ticket_fen"]} for row in report["items"]]
