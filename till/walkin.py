"""Walk-in points (散客积分): a purchase by a phone no member has earns points held for that
phone (stored as a keyed hash) for `walk_in.claim_days`; the member who verifies the phone
through WeChat claims them once.

Lock order: member row, points account, then held walk-in rows (claims); walk-in row alone
(refunds before a claim); walk-in row, then the account (refunds after a claim).
"""

import math
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import merchants
from core.clock import now
from core.errors import Conflict, NotFound
from core.extensions import db
from core.models import Merchant
from loyalty import ledger, members, tiers
from loyalty.rules import earn_points
from till import rules
from till.models import WalkInOrder, WalkInRefund
from till.secrets_hash import keyed_hash


def normalize_phone(raw: str | None) -> str | None:
    """Digits only, without China's +86; None unless 5–15 digits are left."""
    digits = "".join(c for c in raw or "" if c.isascii() and c.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if 5 <= len(digits) <= 15 else None


def phone_hash(merchant_id: int, phone: str) -> str:
    """The keyed hash a phone is stored under (a leaked table does not give numbers away)."""
    return keyed_hash(f"phone:{merchant_id}", phone)


def purchase(merchant: Merchant, *, order_no: str, member: dict, amount_fen: int, paid_at,
             store_id: int | None = None, category: str | None = None,
             redemption_no: str | None = None) -> dict | None:
    """Hold a walk-in purchase's points for its phone; None when a member is named."""
    if (existing := _order(merchant.id, order_no)) is not None:
        return _answer(existing)
    phone = normalize_phone(member.get("phone")) if set(member) == {"phone"} else None
    if phone is None or _is_member(merchant.id, member["phone"]):
        return None
    if redemption_no:
        raise Conflict("A walk-in customer cannot pay with points.")
    merchants.store_of(merchant.id, store_id)
    points = earn_points(amount_fen, merchant.rules["earning"]["points_per_yuan"], 1)
    claim_days = rules.section(merchant, "walk_in")["claim_days"]
    row = WalkInOrder(merchant_id=merchant.id, order_no=order_no,
                      phone_hash=phone_hash(merchant.id, phone), phone_tail=phone[-4:],
                      amount_fen=amount_fen, points=points, store_id=store_id,
                      category=category, paid_at=paid_at, status="held",
                      expires_at=now() + timedelta(days=claim_days))
    db.session.add(row)
    try:
        db.session.flush()  # the unique (merchant, order_no) row is the once-only guarantee
        answer = _answer(row)
        db.session.commit()
        return answer
    except IntegrityError:
        db.session.rollback()
        return _answer(_order(merchant.id, order_no))


def _is_member(merchant_id: int, phone: str) -> bool:
    try:
        members.find(merchant_id, phone=phone)
    except NotFound:
        return False
    return True


def claim(member, phone: str) -> int:
    """Credit the member, once, what is held for their verified phone (caller commits)."""
    ledger.lock_account(member.merchant_id, member.id)
    rows = db.session.execute(select(WalkInOrder).where(
        WalkInOrder.merchant_id == member.merchant_id,
        WalkInOrder.phone_hash == phone_hash(member.merchant_id, phone),
        WalkInOrder.status == "held", WalkInOrder.expires_at > now())
        .order_by(WalkInOrder.id).with_for_update()
        .execution_options(populate_existing=True)).scalars().all()
    total = 0
    for row in rows:
        amount = row.points - row.cancelled
        if amount > 0:
            entry = ledger.post(merchant_id=member.merchant_id, member_id=member.id,
                                amount=amount, type="earn", reason="walk_in_claim",
                                ref=ledger.Ref("pos_order", row.order_no),
                                idempotency_key=f"walk-in:{row.id}")
            row.entry_id = entry.id
        tiers.add_growth(member, (row.amount_fen - row.refunded_fen) // 100, "purchase")
        row.status, row.member_id, row.claimed_points, row.claimed_at = (
            "claimed", member.id, amount, now())
        total += amount
    db.session.flush()
    return total


def refund(merchant: Merchant, *, order_no: str, refund_no: str, amount_fen: int) -> dict | None:
    """Take back a walk-in order's points in proportion; None when no such walk-in order."""
    row = _order(merchant.id, order_no, lock=True)
    if row is None:
        return None
    existing = _refund(merchant.id, refund_no)
    if existing is not None:
        return _refund_answer(existing, row)
    if row.refunded_fen + amount_fen > row.amount_fen:
        raise Conflict("The refunds would exceed the order amount.",
                       details={"refundable_fen": row.amount_fen - row.refunded_fen})
    row.refunded_fen += amount_fen
    take = math.floor(row.points * row.refunded_fen / row.amount_fen) - row.cancelled
    row.cancelled += take
    record = WalkInRefund(merchant_id=merchant.id, refund_no=refund_no, walk_in_order_id=row.id,
                          amount_fen=amount_fen, points_cancelled=take, points_clawed=0)
    if row.status == "claimed" and take > 0:
        record.points_cancelled, record.points_clawed = 0, _claw(merchant, row, refund_no, take)
    db.session.add(record)
    db.session.flush()
    answer = _refund_answer(record, row)
    db.session.commit()
    return answer


def _claw(merchant: Merchant, row: WalkInOrder, refund_no: str, take: int) -> int:
    policy = "debt" if merchant.rules["refund_shortfall"] == "debt" else "forgive"
    entry = ledger.post(merchant_id=merchant.id, member_id=row.member_id, amount=-take,
                        type="clawback", reason="purchase_refund",
                        ref=ledger.Ref("pos_refund", refund_no),
                        idempotency_key=f"pos-refund:{refund_no}",
                        prefer_lot_id=ledger.lot_of(row.entry_id), on_shortfall=policy)
    return -entry.amount


def _order(merchant_id: int, order_no: str, *, lock: bool = False) -> WalkInOrder | None:
    query = select(WalkInOrder).where(WalkInOrder.merchant_id == merchant_id,
                                      WalkInOrder.order_no == order_no)
    if lock:
        query = query.with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)
                              ).scalar_one_or_none()


def _refund(merchant_id: int, refund_no: str) -> WalkInRefund | None:
    return db.session.execute(select(WalkInRefund).where(
        WalkInRefund.merchant_id == merchant_id,
        WalkInRefund.refund_no == refund_no)).scalar_one_or_none()


def _answer(row: WalkInOrder) -> dict:
    held = row.points - row.cancelled if row.status == "held" else 0
    return {"order_no": row.order_no, "member_id": row.member_id,
            "points_earned": row.points, "balance": None, "pending_points": held,
            "held_for_phone": True}


def _refund_answer(record: WalkInRefund, row: WalkInOrder) -> dict:
    return {"order_no": row.order_no, "refund_no": record.refund_no,
            "points_clawed": record.points_cancelled + record.points_clawed, "debt_added": 0,
            "flagged": False, "balance": None, "points_returned": 0}
