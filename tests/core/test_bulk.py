"""Bulk writes: pre-allocated ids never collide with ordinary inserts, a duplicate raises
the IntegrityError an INSERT would (COPY on PostgreSQL, executemany on SQLite), and a
lookup of many keys finds them all."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import bulk
from core.clock import now
from core.extensions import db
from loyalty.models import Member

TABLE = Member.__table__


def _row(member_id: int, merchant_id: int, card_no: str) -> dict:
    return {"id": member_id, "merchant_id": merchant_id, "card_no": card_no,
            "tier_code": "starlight", "growth_value": 0, "created_at": now()}


def test_allocated_ids_are_fresh_and_rows_keep_them(app, api):
    merchant_id = api.merchant()["id"]
    with app.app_context():
        ids = bulk.allocate_ids(TABLE, 3)
        assert len(set(ids)) == 3 and bulk.allocate_ids(TABLE, 0) == []
        bulk.insert_rows(TABLE, [_row(i, merchant_id, f"BK{i}") for i in ids])
        ordinary = Member(merchant_id=merchant_id, tier_code="starlight")
        db.session.add(ordinary)
        db.session.commit()
        assert ordinary.id not in ids
        stored = db.session.execute(select(Member.id, Member.card_no, Member.status).where(
            Member.id.in_(ids)).order_by(Member.id)).all()
        # status comes from the column's default, as an ORM insert would set it
        assert stored == [(i, f"BK{i}", "active") for i in sorted(ids)]
        # more keys than one SQLite IN list takes
        wanted = [f"BK{ids[0]}", *(f"none-{n}" for n in range(bulk.LOOKUP_BATCH)), f"BK{ids[2]}"]
        found = bulk.matching(select(Member.id).where(Member.merchant_id == merchant_id),
                              Member.card_no, wanted)
        assert sorted(found) == [(ids[0],), (ids[2],)]


def test_a_duplicate_raises_integrity_error_and_writes_nothing(app, api):
    merchant_id = api.merchant()["id"]
    with app.app_context():
        first, second = bulk.allocate_ids(TABLE, 2)
        with pytest.raises(IntegrityError):
            bulk.insert_rows(TABLE, [_row(i, merchant_id, "SAME") for i in (first, second)])
        db.session.rollback()
        assert db.session.scalar(select(Member.id).where(Member.card_no == "SAME")) is None
