"""Points from purchases reported by store systems, and claw-backs on their refunds."""

import math
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import events, merchants
from core.clock import local_date, now
from core.errors import Conflict
from core.extensions import db
from core.models import Merchant
from loyalty import campaigns, hooks, ledger, members, tiers
from loyalty import rules as pure
from loyalty.models import Member, PosOrder, PosRefund


def multiplier_for(merchant: Merchant, member: Member, at: datetime,
                   category: str | None) -> Decimal:
    """The best single multiplier: tier, birthday month or an active campaign."""
    tier = tiers.tier_of(member, merchant.rules["tiers"])
    candidates = [tier["multiplier"]]
    birthday = member.birthday
    if birthday and local_date(at, merchant.timezone).month == birthday.month:
        candidates.append(tier["birthday_multiplier"])
    candidates += campaigns.active_multipliers(merchant.id, at, member.tier_code, category,
                                               member.id)
    return pure.best_multiplier(*candidates)


def record_purchase(merchant: Merchant, *, order_no: str, member: dict, amount_fen: int,
                    paid_at: datetime, store_id: int | None = None,
                    category: str | None = None, redemption_no: str | None = None) -> dict:
    """Credit a paid order once per order_no; a repeat returns the first answer."""
    existing = _order(merchant.id, order_no)
    if existing is not None:
        return _purchase_answer(existing)
    if (held := hooks.counter.walk_in_purchase(merchant, order_no=order_no, member=member,
                                               amount_fen=amount_fen, paid_at=paid_at,
                                               store_id=store_id, category=category,
                                               redemption_no=redemption_no)) is not None:
        return held
    buyer = members.find(merchant.id, **member)
    members.ensure_active(buyer)
    merchants.store_of(merchant.id, store_id)
    try:
        order = _credit_order(merchant, buyer, order_no, amount_fen, paid_at, store_id, category,
                              redemption_no)
        answer = _purchase_answer(order)
        db.session.commit()
        return answer
    except IntegrityError as exc:
        # The same order_no committed first in a concurrent request: answer as it did.
        db.session.rollback()
        return _purchase_answer(_committed_first(_order(merchant.id, order_no), exc))


def _credit_order(merchant, buyer, order_no, amount_fen, paid_at, store_id, category,
                  redemption_no=None):
    points = pure.earn_points(amount_fen, merchant.rules["earning"]["points_per_yuan"],
                              multiplier_for(merchant, buyer, paid_at, category))
    if ledger.in_sql() and redemption_no is None:
        order, first = _credit_in_sql(merchant, buyer, order_no, amount_fen, paid_at, store_id,
                                      category, points)
    else:
        order, first = _credit_in_python(merchant, buyer, order_no, amount_fen, paid_at,
                                         store_id, category, points, redemption_no)
    events.publish(events.ORDER_PAID, member=buyer, order_no=order_no, amount_fen=amount_fen,
                   source="pos")
    if first and amount_fen > 0:
        events.publish(events.FIRST_PURCHASE, member=buyer, source=f"pos:{order_no}")
        order.balance_after = ledger.balance(merchant.id, buyer.id)  # with a referral reward
    return order


def _credit_in_sql(merchant, buyer, order_no, amount_fen, paid_at, store_id, category, points):
    """The order, growth and earn in one round trip (the ledger's `jifen_pos_earn`)."""
    held = points > 0 and hooks.counter.hold_pending(merchant, buyer.id, order_no, points)
    moment = now()
    done = ledger.call("jifen_pos_earn", merchant=merchant.id, member=buyer.id,
                       order_no=order_no, amount_fen=amount_fen, paid_at=paid_at,
                       store=store_id, category=category, points=points,
                       post=points > 0 and not held, growth=amount_fen // 100,
                       expires_at=ledger.expiry_of(merchant, moment), now=moment)
    tiers.grown(buyer, done["growth"])
    order = ledger.adopt(PosOrder, done["order"])
    events.publish(events.POS_ORDER_CREDITED, merchant=merchant, order=order)
    return order, done["first"]


def _credit_in_python(merchant, buyer, order_no, amount_fen, paid_at, store_id, category,
                      points, redemption_no):
    first = db.session.execute(select(PosOrder.id).where(
        PosOrder.member_id == buyer.id).limit(1)).first() is None
    order = PosOrder(merchant_id=merchant.id, order_no=order_no, member_id=buyer.id,
                     amount_fen=amount_fen, paid_at=paid_at, store_id=store_id,
                     category=category, points_earned=points, balance_after=0)
    db.session.add(order)
    db.session.flush()  # the unique (merchant, order_no) row is the once-only guarantee
    # Before the account lock:
    hooks.counter.on_order(merchant, order, redemption_no=redemption_no)
    events.publish(events.POS_ORDER_CREDITED, merchant=merchant, order=order)
    tiers.add_growth(buyer, amount_fen // 100, "purchase")
    # Growth locks the account, then the member row: the lock order of loyalty/ledger.py.
    if points > 0 and not hooks.counter.hold_pending(merchant, buyer.id, order_no, points):
        entry = ledger.post(merchant_id=merchant.id, member_id=buyer.id, amount=points,
                            type="earn", reason="purchase", ref=ledger.Ref("pos_order", order_no),
                            idempotency_key=f"pos:{order_no}")
        order.entry_id, order.balance_after = entry.id, entry.balance_after
    else:
        order.balance_after = ledger.balance(merchant.id, buyer.id)
    return order, first


def _order(merchant_id: int, order_no: str, *, lock: bool = False) -> PosOrder | None:
    query = select(PosOrder).where(PosOrder.merchant_id == merchant_id,
                                   PosOrder.order_no == order_no)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def _purchase_answer(order: PosOrder) -> dict:
    return {"order_no": order.order_no, "member_id": order.member_id,
            "points_earned": order.points_earned, "balance": order.balance_after,
            **hooks.counter.order_extras(order)}


def record_refund(merchant: Merchant, *, order_no: str, refund_no: str,
                  amount_fen: int) -> dict:
    """Claw back points in proportion to the refunded amount, once per refund_no."""
    order = _order(merchant.id, order_no, lock=True)
    if order is None:
        return hooks.counter.walk_in_refund(merchant, order_no=order_no, refund_no=refund_no,
                                            amount_fen=amount_fen)
    existing = _refund(merchant.id, refund_no)
    if existing is not None:
        return _refund_answer(existing, order)
    if order.refunded_fen + amount_fen > order.amount_fen:
        raise Conflict("The refunds would exceed the order amount.",
                       details={"refundable_fen": order.amount_fen - order.refunded_fen})
    try:
        refund = _claw_back(merchant, order, refund_no, amount_fen)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        refund = _committed_first(_refund(merchant.id, refund_no), exc)
    return _refund_answer(refund, order)


def _committed_first(found, exc: IntegrityError):
    """The row a concurrent request with the same number committed, or CONFLICT when the
    unique violation was about something else (nothing was changed; a retry may pass)."""
    if found is None:
        raise Conflict("A concurrent change conflicted with this request; nothing was "
                       "changed, retry.") from exc
    return found


def _claw_back(merchant, order, refund_no, amount_fen) -> PosRefund:
    refunded = order.refunded_fen + amount_fen
    # Cumulative rounding: the sum of claw-backs never drifts from the order's points.
    # A support reversal of the credit counts as clawed: a credit is undone once in total.
    claw = max(0, math.floor(order.points_earned * refunded / order.amount_fen)
               - order.points_clawed)
    refund = PosRefund(merchant_id=merchant.id, refund_no=refund_no, order_id=order.id,
                       amount_fen=amount_fen, points_clawed=0, debt_added=0, balance_after=0)
    db.session.add(refund)
    db.session.flush()
    # The counter's rows (redemption, pending points) lock before the account, as everywhere.
    refund.points_clawed = hooks.counter.on_refund(merchant, order, refund_no=refund_no,
                                                   refunded_fen=refunded, claw=claw)
    account = ledger.lock_account(merchant.id, order.member_id)
    debt_before = account.debt
    if (rest := claw - refund.points_clawed) > 0:
        entry = ledger.post(merchant_id=merchant.id, member_id=order.member_id, amount=-rest,
                            type="clawback", reason="purchase_refund",
                            ref=ledger.Ref("pos_refund", refund_no),
                            idempotency_key=f"pos-refund:{refund_no}",
                            prefer_lot_id=ledger.lot_of(order.entry_id),
                            on_shortfall=_shortfall_policy(merchant))
        refund.points_clawed -= entry.amount
        refund.flagged = -entry.amount < rest and _shortfall_policy(merchant) == "forgive"
    order.refunded_fen, order.points_clawed = refunded, order.points_clawed + claw
    refund.debt_added = account.debt - debt_before
    refund.balance_after = account.balance
    return refund


def _shortfall_policy(merchant: Merchant) -> str:
    return "debt" if merchant.rules["refund_shortfall"] == "debt" else "forgive"


def _refund(merchant_id: int, refund_no: str) -> PosRefund | None:
    return db.session.execute(select(PosRefund).where(
        PosRefund.merchant_id == merchant_id, PosRefund.refund_no == refund_no)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def _refund_answer(refund: PosRefund, order: PosOrder) -> dict:
    return {"order_no": order.order_no, "refund_no": refund.refund_no,
            "points_clawed": refund.points_clawed, "debt_added": refund.debt_added,
            "flagged": refund.flagged, "balance": refund.balance_after,
            "points_returned": hooks.counter.points_returned(refund.merchant_id,
                                                             refund.refund_no)}
