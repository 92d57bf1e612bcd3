"""Staff tags on members (客户画像标签库)."""

from sqlalchemy import delete, func, select

from core import audit
from core.extensions import db
from crm import rfm
from crm.models import MemberTag
from loyalty import members


def of(merchant_id: int, member_id: int) -> list[str]:
    """A member's tags, sorted."""
    return list(db.session.scalars(select(MemberTag.tag).where(
        MemberTag.merchant_id == merchant_id, MemberTag.member_id == member_id)
        .order_by(MemberTag.tag)))


def profile(merchant_id: int, member_id: int) -> dict:
    """What the staff member page shows: tags and the latest RFM segment."""
    members.get(merchant_id, member_id)
    return {"member_id": member_id, "tags": of(merchant_id, member_id),
            "rfm": rfm.of(merchant_id, member_id)}


def replace(merchant_id: int, member_id: int, tags: list[str]) -> dict:
    """Set a member's tags to exactly `tags`, audited."""
    members.get(merchant_id, member_id)
    before = of(merchant_id, member_id)
    wanted = sorted({tag.strip() for tag in tags if tag.strip()})
    db.session.execute(delete(MemberTag).where(MemberTag.member_id == member_id,
                                               MemberTag.tag.not_in(wanted)))
    db.session.add_all(MemberTag(merchant_id=merchant_id, member_id=member_id, tag=tag)
                       for tag in wanted if tag not in before)
    audit.record(merchant_id=merchant_id, action="member.tags", target_type="member",
                 target_id=member_id, before={"tags": before}, after={"tags": wanted})
    db.session.commit()
    return {"tags": wanted}


def library(merchant_id: int) -> dict:
    """Every tag in use with how many members carry it, most used first."""
    rows = db.session.execute(
        select(MemberTag.tag, func.count()).where(MemberTag.merchant_id == merchant_id)
        .group_by(MemberTag.tag).order_by(func.count().desc(), MemberTag.tag)).all()
    return {"items": [{"tag": tag, "count": n} for tag, n in rows]}
