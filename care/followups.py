"""Follow-up visits (回访): created with a qualifying order, scheduled by cron, completed
by staff (optionally crediting an activity task through engagement's service)."""

from datetime import datetime

from sqlalchemy import select

from care import advisors
from care import rules as pure
from care.models import FollowUp
from core import audit, events
from core.clock import local_date, now
from core.errors import Conflict, NotFound
from core.extensions import db
from core.models import Merchant
from engagement import activities

STATUSES = ("scheduled", "due", "overdue", "done")
OUTCOMES = ("reached", "no_answer", "declined")


def care_rules(merchant: Merchant) -> dict:
    """The merchant's care rules (merchants created before the section get the defaults)."""
    care = merchant.rules.get("care") or {}
    return {"categories": care.get("categories", []),
            "follow_up_days": care.get("follow_up_days", list(pure.DEFAULT_FOLLOW_UP_DAYS))}


def on_order(merchant: Merchant, *, member_id: int, order_no: str, category: str | None,
             at: datetime) -> int:
    """Schedule the follow-ups of an order in a care category, once per order (caller commits)."""
    rules = care_rules(merchant)
    if not pure.is_care_category(category, rules):
        return 0
    exists = db.session.execute(select(FollowUp.id).where(
        FollowUp.merchant_id == merchant.id, FollowUp.order_no == order_no).limit(1)).first()
    if exists:
        return 0
    assignee = advisors.staff_id_of(merchant.id, member_id)
    today = local_date(now(), merchant.timezone)
    day = local_date(at, merchant.timezone)
    for days, due_on in pure.due_dates(day, rules["follow_up_days"]):
        db.session.add(FollowUp(merchant_id=merchant.id, member_id=member_id,
                                assignee_id=assignee, order_no=order_no, days=days,
                                due_on=due_on, status=pure.follow_up_status(due_on, today)))
    db.session.flush()
    return len(rules["follow_up_days"])


def on_pos_order(merchant: Merchant, order) -> int:
    """The POS earning hook: follow-ups of a reported order in a care category."""
    return on_order(merchant, member_id=order.member_id, order_no=order.order_no,
                    category=order.category, at=order.paid_at)


def of_merchant(merchant_id: int, *, status: str | None, assignee_id: int | None):
    """A select of follow-ups, optionally of one status and assignee (paginate it)."""
    query = select(FollowUp).where(FollowUp.merchant_id == merchant_id)
    if status:
        query = query.where(FollowUp.status == status)
    return query if assignee_id is None else query.where(FollowUp.assignee_id == assignee_id)


def counts(merchant_id: int, assignee_id: int) -> dict:
    """How many of the assignee's follow-ups are due and overdue."""
    rows = db.session.execute(select(FollowUp.status).where(
        FollowUp.merchant_id == merchant_id, FollowUp.assignee_id == assignee_id,
        FollowUp.status.in_(("due", "overdue")))).scalars().all()
    return {"due": rows.count("due"), "overdue": rows.count("overdue")}


def complete(staff, follow_up_id: int, *, outcome: str, note: str | None = None,
             credit_task_code: str | None = None) -> FollowUp:
    """Record the outcome once; a task credit (within its limit) commits with it."""
    follow_up = db.session.execute(select(FollowUp).where(
        FollowUp.id == follow_up_id, FollowUp.merchant_id == staff.merchant_id)
        .with_for_update()).scalar_one_or_none()
    if follow_up is None:
        raise NotFound("Unknown follow-up.")
    if follow_up.status == "done":
        raise Conflict("This follow-up is already done.", details={"status": "done"})
    before = follow_up.status
    follow_up.status, follow_up.outcome, follow_up.note = "done", outcome, note
    follow_up.completed_at, follow_up.completed_by = now(), staff.id
    timezone = db.session.get(Merchant, staff.merchant_id).timezone
    follow_up.completed_on_time = local_date(now(), timezone) <= follow_up.due_on
    audit.record(merchant_id=staff.merchant_id, action="follow_up.complete",
                 target_type="follow_up", target_id=follow_up.id, before={"status": before},
                 after={"status": "done", "outcome": outcome, "task": credit_task_code})
    if credit_task_code:
        activities.credit(merchant_id=staff.merchant_id, member_id=follow_up.member_id,
                          task_code=credit_task_code, operator_id=staff.id)  # commits
    else:
        db.session.commit()
    return follow_up


def schedule() -> dict:
    """Move follow-ups to due and overdue by each merchant's local day (safe to re-run)."""
    changed = {"due": 0, "overdue": 0}
    for merchant in db.session.execute(select(Merchant)).scalars():
        today = local_date(now(), merchant.timezone)
        open_ones = db.session.execute(select(FollowUp).where(
            FollowUp.merchant_id == merchant.id,
            FollowUp.status.in_(("scheduled", "due")), FollowUp.due_on <= today)).scalars()
        for follow_up in open_ones:
            status = pure.follow_up_status(follow_up.due_on, today)
            if status != follow_up.status:
                follow_up.status = status
                changed[status] += 1
    db.session.commit()
    return changed


events.subscribe(events.POS_ORDER_CREDITED, on_pos_order)
