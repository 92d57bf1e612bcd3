"""Pending points (积分冻结期): purchase points held outside the ledger for
`earning.pending_days`, then released; a refund in the window cancels them (no debt).

Lock order: pending row, then the points account.
"""

from datetime import timedelta

from sqlalchemy import select, text

from core.clock import now
from core.extensions import db
from core.models import Merchant
from loyalty import ledger
from till import rules
from till.models import PendingPoints

BATCH = 500


def days(merchant: Merchant) -> int:
    """The merchant's pending window in days (0 = off)."""
    return int(rules.section(merchant, "earning").get("pending_days") or 0)


def hold(merchant: Merchant, *, member_id: int, order_no: str, points: int) -> bool:
    """Hold a purchase's points when the merchant has a window; False when it has none."""
    window = days(merchant)
    if window <= 0 or points <= 0:
        return False
    db.session.add(PendingPoints(merchant_id=merchant.id, member_id=member_id,
                                 order_no=order_no, points=points, status="pending",
                                 available_at=now() + timedelta(days=window)))
    db.session.flush()
    return True


def of_order(merchant_id: int, order_no: str) -> int:
    """Points of this order still pending."""
    row = _row(merchant_id, order_no)
    return row.points - row.cancelled if row and row.status == "pending" else 0


def cancel(merchant_id: int, order_no: str, points: int) -> int:
    """Cancel up to `points` of the order's pending points (refunds); how many were."""
    row = _row(merchant_id, order_no, lock=True)
    if row is None or row.status != "pending":
        return 0
    taken = min(points, row.points - row.cancelled)
    row.cancelled += taken
    db.session.flush()
    return taken


def live_query(member_id):
    """A select of (points, available_at, order_no) of a member's pending points, for a
    member id or a bind parameter (the balance read adds it to its one statement)."""
    return select(PendingPoints.points - PendingPoints.cancelled, PendingPoints.available_at,
                  PendingPoints.order_no).where(
        PendingPoints.member_id == member_id, PendingPoints.status == "pending",
        PendingPoints.points > PendingPoints.cancelled)


def release_due(batch_size: int = BATCH) -> dict:
    """Release every pending row whose window ended, one transaction each; safe to re-run."""
    released = points = 0
    while ids := _due_ids(batch_size):
        for row_id in ids:
            points += _release(row_id)
            released += 1
    return {"released": released, "points": points}


def _due_ids(limit: int) -> list[int]:
    return db.session.execute(select(PendingPoints.id).where(
        PendingPoints.status == "pending", PendingPoints.available_at <= now())
        .order_by(PendingPoints.id).limit(limit)).scalars().all()


def _release(row_id: int) -> int:
    row = db.session.execute(select(PendingPoints).where(PendingPoints.id == row_id)
                             .with_for_update().execution_options(populate_existing=True)
                             ).scalar_one()
    amount = row.points - row.cancelled if row.status == "pending" else 0
    if amount > 0:
        entry = ledger.post(merchant_id=row.merchant_id, member_id=row.member_id,
                            amount=amount, type="earn", reason="purchase",
                            ref=ledger.Ref("pos_order", row.order_no),
                            idempotency_key=f"pos:{row.order_no}")
        row.entry_id = entry.id
    row.status, row.released_at = "released", now()
    db.session.commit()
    return amount


def _row(merchant_id: int, order_no: str, *, lock: bool = False) -> PendingPoints | None:
    query = select(PendingPoints).where(PendingPoints.merchant_id == merchant_id,
                                        PendingPoints.order_no == order_no)
    if lock:
        query = query.with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)
                              ).scalar_one_or_none()


# The pending-lot invariant, checked by `flask ledger verify` beside the ledger's own.
CHECK = text("""
SELECT p.id, p.points, p.cancelled, p.status, e.amount
FROM pending_points p
LEFT JOIN ledger_entries e ON e.id = p.entry_id
WHERE p.cancelled < 0 OR p.cancelled > p.points
   OR (p.status = 'pending' AND p.entry_id IS NOT NULL)
   OR (p.status = 'released' AND p.points > p.cancelled
       AND (e.amount IS NULL OR e.amount <> p.points - p.cancelled))
""")


def failures() -> list[dict]:
    """Pending rows that break the invariant (empty when sound)."""
    return [{"pending_id": r[0], "points": int(r[1]), "cancelled": int(r[2]),
             "status": r[3], "entry_amount": None if r[4] is None else int(r[4])}
            for r in db.session.execute(CHECK).all()]
