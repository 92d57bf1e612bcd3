"""Per-advisor figures (owner, manager): members, attributed POS sales, packages sold and
sessions used, follow-ups due, done on time and overdue. Read-only aggregates."""

from sqlalchemy import func, select

from auth.models import Staff
from care.models import Advisor, FollowUp, Package, PackageUse
from core.extensions import db
from loyalty.models import PosOrder  # read-only reporting join, like the analytics package

COLUMNS = ("members", "pos_sales_fen", "packages_sold", "sessions_used", "follow_ups_due",
           "follow_ups_done_on_time", "follow_ups_done_late", "follow_ups_overdue")


def advisors(merchant_id: int) -> list[dict]:
    """One row per staff member who advises members or has follow-ups assigned."""
    figures: dict[int, dict] = {}
    for column, rows in _figures(merchant_id).items():
        for staff_id, value in rows:
            if staff_id is not None:
                figures.setdefault(staff_id, dict.fromkeys(COLUMNS, 0))[column] = int(value)
    names = dict(db.session.execute(select(Staff.id, Staff.username).where(
        Staff.merchant_id == merchant_id, Staff.id.in_(list(figures)))).all())
    return [{"staff_id": staff_id, "name": names.get(staff_id), **values}
            for staff_id, values in sorted(figures.items())]


def _figures(merchant_id: int) -> dict:
    mine = Advisor.merchant_id == merchant_id
    by_advisor = Advisor.staff_id
    follow = FollowUp.merchant_id == merchant_id
    run = db.session.execute
    return {
        "members": run(select(by_advisor, func.count()).where(mine).group_by(by_advisor)),
        "pos_sales_fen": run(select(by_advisor, func.sum(PosOrder.amount_fen)).join(
            PosOrder, PosOrder.member_id == Advisor.member_id).where(mine).group_by(by_advisor)),
        "packages_sold": run(select(by_advisor, func.count(Package.id)).join(
            Package, Package.member_id == Advisor.member_id).where(mine).group_by(by_advisor)),
        "sessions_used": run(select(by_advisor, func.count(PackageUse.id)).join(
            Package, Package.member_id == Advisor.member_id).join(
            PackageUse, PackageUse.package_id == Package.id).where(mine).group_by(by_advisor)),
        "follow_ups_due": _follow_ups(follow, FollowUp.status == "due"),
        "follow_ups_overdue": _follow_ups(follow, FollowUp.status == "overdue"),
        "follow_ups_done_on_time": _follow_ups(follow, FollowUp.status == "done",
                                               FollowUp.completed_on_time.is_(True)),
        "follow_ups_done_late": _follow_ups(follow, FollowUp.status == "done",
                                            FollowUp.completed_on_time.is_(False)),
    }


def _follow_ups(*where):
    return db.session.execute(select(FollowUp.assignee_id, func.count()).where(*where)
                              .group_by(FollowUp.assignee_id))
