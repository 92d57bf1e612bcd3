"""Read-only totals per member over a window, for other packages (contests).

Each returns {member_id: (score, reached_at)}, where `reached_at` is the time of the
member's last event that changed the score inside the window.
"""

from datetime import datetime

from sqlalchemy import func, select

from core.extensions import db
from loyalty.models import LedgerEntry, Member, PosOrder, PosRefund


def spend(merchant_id: int, starts: datetime, ends: datetime) -> dict[int, tuple[int, datetime]]:
    """Cash fen of POS orders paid in [starts, ends), net of refunds made in the window."""
    paid = db.session.execute(
        select(PosOrder.member_id, func.sum(PosOrder.amount_fen), func.max(PosOrder.paid_at))
        .where(PosOrder.merchant_id == merchant_id, PosOrder.paid_at >= starts,
               PosOrder.paid_at < ends).group_by(PosOrder.member_id)).all()
    refunded = db.session.execute(
        select(PosOrder.member_id, func.sum(PosRefund.amount_fen), func.max(PosRefund.created_at))
        .join(PosOrder, PosOrder.id == PosRefund.order_id)
        .where(PosOrder.merchant_id == merchant_id, PosOrder.paid_at >= starts,
               PosOrder.paid_at < ends, PosRefund.created_at >= starts,
               PosRefund.created_at < ends).group_by(PosOrder.member_id)).all()
    return _net(paid, refunded)


def earned(merchant_id: int, starts: datetime, ends: datetime,
           *, excluding: tuple[str, ...] = ()) -> dict[int, tuple[int, datetime]]:
    """Points earned in [starts, ends) (`earn` entries), net of POS clawbacks in the window."""
    def total(type_: str):
        return db.session.execute(
            select(LedgerEntry.member_id, func.sum(LedgerEntry.amount),
                   func.max(LedgerEntry.created_at))
            .where(LedgerEntry.merchant_id == merchant_id, LedgerEntry.type == type_,
                   LedgerEntry.reason_code.not_in(excluding),
                   LedgerEntry.created_at >= starts, LedgerEntry.created_at < ends)
            .group_by(LedgerEntry.member_id)).all()

    clawed = [(member_id, -amount, moment) for member_id, amount, moment in total("clawback")]
    return _net(total("earn"), clawed)


def _net(plus, minus) -> dict[int, tuple[int, datetime]]:
    result = {member_id: (int(amount), moment) for member_id, amount, moment in plus}
    for member_id, amount, moment in minus:
        score, reached = result.get(member_id, (0, moment))
        result[member_id] = (score - int(amount), max(reached, moment))
    return result


def nicknames(merchant_id: int, member_ids: list[int]) -> dict[int, str | None]:
    """Members' nicknames (None when unknown or anonymised)."""
    if not member_ids:
        return {}
    rows = db.session.execute(select(Member.id, Member.nickname).where(
        Member.merchant_id == merchant_id, Member.id.in_(member_ids))).all()
    return dict(rows)
