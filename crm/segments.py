"""Saved segments: member filters with a live count, pages, CSV export and campaign targeting."""

from datetime import timedelta

from sqlalchemy import exists, extract, func, select
from sqlalchemy.orm import selectinload

from core import audit
from core.clock import now
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from crm.models import MemberTag, RfmScore, Segment
from loyalty.models import Lot, Member, PointsAccount, PosOrder


def _tiers(value):
    return Member.tier_code.in_(value)


def _tags_any(value):
    return exists().where(MemberTag.member_id == Member.id, MemberTag.tag.in_(value))


def _rfm(value):
    return exists().where(RfmScore.member_id == Member.id, RfmScore.segment.in_(value))


def _last_visit_before(days):
    """No visit (POS order) within the last `days` days; members who never came count too."""
    since = now() - timedelta(days=days)
    return ~exists().where(PosOrder.member_id == Member.id, PosOrder.paid_at >= since)


def _birthday_month(month):
    return extract("month", Member.birthday) == month


def _min_balance(points):
    return exists().where(PointsAccount.member_id == Member.id, PointsAccount.balance >= points)


def _expiring_within(days):
    moment = now()
    return exists().where(Lot.account_id == PointsAccount.id,
                          PointsAccount.member_id == Member.id, Lot.remaining > 0,
                          Lot.expired_at.is_(None), Lot.expires_at > moment,
                          Lot.expires_at <= moment + timedelta(days=days))


def _store(store_id):
    return exists().where(PosOrder.member_id == Member.id, PosOrder.store_id == store_id)


def _advisor(staff_id):
    # The advisor column arrives with the advisor branch; until then no member has one.
    column = getattr(Member, "advisor_id", None)
    return column == staff_id if column is not None else Member.id.is_(None)


CONDITIONS = {"tiers": _tiers, "tags_any": _tags_any, "rfm_segments": _rfm,
              "last_visit_before_days": _last_visit_before, "birthday_month": _birthday_month,
              "min_balance": _min_balance, "points_expiring_within_days": _expiring_within,
              "advisor_id": _advisor, "store_id": _store}


def member_ids(merchant_id: int, filter: dict):
    """A select of the ids of the merchant's members that match a filter (empty = everyone)."""
    query = select(Member.id).where(Member.merchant_id == merchant_id,
                                    Member.anonymized_at.is_(None))
    for name, build in CONDITIONS.items():
        value = filter.get(name)
        if value is not None and value != []:
            query = query.where(build(value))
    return query


def count(merchant_id: int, filter: dict) -> int:
    """How many members match a filter now."""
    return db.session.scalar(select(func.count()).select_from(
        member_ids(merchant_id, filter).subquery()))


def create(merchant_id: int, staff_id: int, data: dict) -> dict:
    """Save a segment, audited; answers it with its live count."""
    if db.session.scalar(select(Segment.id).where(Segment.merchant_id == merchant_id,
                                                  Segment.name == data["name"])):
        raise ValidationFailed(details={"name": ["A segment with this name exists."]})
    segment = Segment(merchant_id=merchant_id, name=data["name"], filter=data["filter"],
                      created_by=staff_id)
    db.session.add(segment)
    db.session.flush()
    audit.record(merchant_id=merchant_id, action="segment.create", target_type="segment",
                 target_id=segment.id, after={"name": segment.name, "filter": segment.filter})
    db.session.commit()
    return view(segment)


def get(merchant_id: int, segment_id: int) -> Segment:
    """One segment of this merchant, or NOT_FOUND."""
    segment = db.session.get(Segment, segment_id)
    if segment is None or segment.merchant_id != merchant_id:
        raise NotFound("Unknown segment.")
    return segment


def view(segment: Segment) -> dict:
    """A segment with its live count."""
    return {"id": segment.id, "name": segment.name, "filter": segment.filter,
            "count": count(segment.merchant_id, segment.filter),
            "created_at": segment.created_at}


def listing(merchant_id: int) -> dict:
    """Every segment of the merchant, with live counts."""
    rows = db.session.scalars(select(Segment).where(Segment.merchant_id == merchant_id)
                              .order_by(Segment.id)).all()
    return {"items": [view(segment) for segment in rows]}


def members(merchant_id: int, segment_id: int):
    """A select of the segment's members (for cursor pages and the CSV export)."""
    segment = get(merchant_id, segment_id)
    return (select(Member).where(Member.id.in_(member_ids(merchant_id, segment.filter)))
            .options(selectinload(Member.account)))


def check_targetable(merchant_id: int, segment_id: int | None) -> None:
    """A campaign may only target a segment of its own merchant."""
    if segment_id is not None and db.session.scalar(select(Segment.id).where(
            Segment.id == segment_id, Segment.merchant_id == merchant_id)) is None:
        raise ValidationFailed(details={"segment_id": ["Unknown segment."]})


def targets(merchant_id: int, segment_id: int | None, member_id: int | None) -> bool:
    """Whether a campaign for `segment_id` applies to this member now (None = everyone)."""
    if segment_id is None:
        return True
    segment = db.session.get(Segment, segment_id)
    if segment is None or member_id is None:
        return False
    query = member_ids(merchant_id, segment.filter).where(Member.id == member_id)
    return db.session.scalar(query) is not None
