"""Advisors (专属顾问): one staff member per member, assigned by managers, audited."""

from sqlalchemy import select

from auth.models import Staff
from care.models import Advisor
from core import audit
from core.errors import ValidationFailed
from core.extensions import db
from loyalty import members


def staff_id_of(merchant_id: int, member_id: int) -> int | None:
    """The member's advisor's staff id, or None."""
    return db.session.execute(select(Advisor.staff_id).where(
        Advisor.merchant_id == merchant_id, Advisor.member_id == member_id)).scalar()


def name_of(merchant_id: int, member_id: int) -> str | None:
    """The advisor's display name (their username), for the member's card."""
    return db.session.execute(select(Staff.username).join(
        Advisor, Advisor.staff_id == Staff.id).where(
        Advisor.merchant_id == merchant_id, Advisor.member_id == member_id)).scalar()


def assign(manager: Staff, member_id: int, staff_id: int | None) -> dict:
    """Set or clear a member's advisor (an active staff member of the same merchant)."""
    member = members.get(manager.merchant_id, member_id)
    if staff_id is not None:
        staff = db.session.get(Staff, staff_id)
        if staff is None or staff.merchant_id != manager.merchant_id or not staff.active:
            raise ValidationFailed(details={"staff_id": ["Not an active staff member here."]})
    row = db.session.get(Advisor, member.id, with_for_update=True)
    before = row.staff_id if row else None
    if staff_id is None and row is not None:
        db.session.delete(row)
    elif staff_id is not None and row is None:
        db.session.add(Advisor(member_id=member.id, merchant_id=member.merchant_id,
                               staff_id=staff_id))
    elif staff_id is not None:
        row.staff_id = staff_id
    audit.record(merchant_id=manager.merchant_id, action="member.advisor", target_type="member",
                 target_id=member.id, before={"staff_id": before}, after={"staff_id": staff_id})
    db.session.commit()
    return advisor_of(manager.merchant_id, member.id)


def candidates(merchant_id: int) -> list[Staff]:
    """The merchant's active staff, who may advise members."""
    return db.session.execute(select(Staff).where(
        Staff.merchant_id == merchant_id, Staff.active.is_(True)).order_by(Staff.id)
    ).scalars().all()


def advisor_of(merchant_id: int, member_id: int) -> dict:
    """{member_id, staff_id, name} of a member's advisor."""
    return {"member_id": member_id, "staff_id": staff_id_of(merchant_id, member_id),
            "name": name_of(merchant_id, member_id)}


def member_ids_of(merchant_id: int, staff_id: int):
    """A select of the ids of the members an advisor looks after."""
    return select(Advisor.member_id).where(Advisor.merchant_id == merchant_id,
                                           Advisor.staff_id == staff_id)



def advisor_of_member(merchant_id: int, member_id: int) -> dict:
    """A member's advisor, for staff (NOT_FOUND for other merchants' members)."""
    return advisor_of(merchant_id, members.get(merchant_id, member_id).id)


def members_of(merchant_id: int, staff_id: int):
    """(select of members, their id column) an advisor looks after (paginate it)."""
    query = members.search(merchant_id, None)
    column = query.selected_columns.id
    return query.where(column.in_(member_ids_of(merchant_id, staff_id))), column
