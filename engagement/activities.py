"""Activity tasks (活动积分): staff-credited tasks from the rules, limited per member and period.

Credits of one member are serialised on the member's account row; the unique
(member, task, period, seq) row with seq ≤ limit makes the limit a database guarantee.
"""

from sqlalchemy import func, select

from core import audit
from core.clock import local_date, now
from core.errors import LimitExceeded, ValidationFailed
from core.extensions import db
from core.models import Merchant
from engagement import policy, rewards
from engagement.models import ActivityCompletion
from loyalty import ledger, members
from loyalty.models import Member


def credit(*, merchant_id: int, member_id: int, task_code: str,
           operator_id: int | None = None) -> dict:
    """Credit one completion of a task; over the task's limit is 409 LIMIT_EXCEEDED."""
    member = members.get(merchant_id, member_id)
    members.ensure_active(member)
    merchant = db.session.get(Merchant, merchant_id)
    task = _task(merchant.rules, task_code)
    period = policy.period_key(task["period"], local_date(now(), merchant.timezone))
    completion = _complete(member, task, period, operator_id)
    result = {"member_id": member.id, "task_code": task_code, "points": completion.points,
              "used": completion.seq, "limit": task["limit"], "period": task["period"],
              "balance": member.account.balance}
    audit.record(merchant_id=merchant_id, action="activity.credit", target_type="member",
                 target_id=member.id, after=result)
    db.session.commit()
    return result


def _complete(member: Member, task: dict, period: str,
              operator_id: int | None) -> ActivityCompletion:
    ledger.lock_account(member.merchant_id, member.id)
    used = _used(member.id, task["code"], period)
    if used >= task["limit"]:
        raise LimitExceeded(f"'{task['code']}' was already credited {used} time(s) this period.",
                            details={"task_code": task["code"], "limit": task["limit"],
                                     "period": task["period"], "used": used})
    completion = ActivityCompletion(
        merchant_id=member.merchant_id, member_id=member.id, task_code=task["code"],
        period_key=period, seq=used + 1, points=task["points"], operator_id=operator_id)
    db.session.add(completion)
    db.session.flush()
    rewards.credit(member, completion.points, reason="activity", operator_id=operator_id,
                   ref=ledger.Ref("activity", str(completion.id)),
                   key=f"activity:{member.id}:{task['code']}:{period}:{completion.seq}")
    return completion


def _task(rules: dict, code: str) -> dict:
    task = next((task for task in rules["activities"] if task["code"] == code), None)
    if task is None:
        raise ValidationFailed(details={"task_code": ["Unknown activity task."]})
    return task


def _used(member_id: int, task_code: str, period: str) -> int:
    return db.session.execute(select(func.count(ActivityCompletion.id)).where(
        ActivityCompletion.member_id == member_id, ActivityCompletion.task_code == task_code,
        ActivityCompletion.period_key == period)).scalar()
