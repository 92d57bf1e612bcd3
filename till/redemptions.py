"""Points at the till (积分抵现): quote, redeem by pay code, void, and returns on refunds.

Lock order (each path skips what it does not touch): POS order, pending points,
redemption, member, pay code, then the points account (`ledger.post`).
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit, merchants
from core.clock import local_date, now
from core.errors import (
    Conflict,
    InsufficientPoints,
    LimitExceeded,
    MemberFrozen,
    NotFound,
    PayCodeInvalid,
    ValidationFailed,
)
from core.extensions import db
from core.models import Merchant
from loyalty import ledger, members
from till import paycodes
from till import rules as pure
from till.models import Redemption, RedemptionReturn

REFUSALS = {"INSUFFICIENT_POINTS": InsufficientPoints, "LIMIT_EXCEEDED": LimitExceeded}


def quote(merchant: Merchant, *, amount_fen: int, pay_code: str | None = None,
          member: dict | None = None, category: str | None = None) -> dict:
    """What the bill may take in points; changes nothing."""
    if pay_code:
        member_id = paycodes.peek(merchant_id=merchant.id, code=pay_code)
    else:
        member_id = members.find(merchant.id, **(member or {})).id
    rules = pure.till_rules(merchant.id)
    balance = ledger.balance(merchant.id, member_id)
    most = pure.max_points(balance=balance, amount_fen=amount_fen, category=category,
                           rules=rules)
    return {"member_id": member_id, "balance": balance, "max_points": most,
            "max_discount_fen": most * rules["fen_per_point"],
            "fen_per_point": rules["fen_per_point"], "step": rules["step"]}


def redeem(merchant: Merchant, *, redemption_no: str, pay_code: str, amount_fen: int,
           points: int, category: str | None = None, store_id: int | None = None) -> dict:
    """Spend points on a bill once per redemption_no; a repeat gets the first answer."""
    if (existing := _by_no(merchant.id, redemption_no)) is not None:
        return _answer(existing)
    rules = pure.till_rules(merchant.id)
    if points % rules["step"]:
        raise ValidationFailed(details={"points": [f"Must be a multiple of {rules['step']}."]})
    merchants.store_of(merchant.id, store_id)
    try:
        row = _spend(merchant, rules, redemption_no, pay_code, amount_fen, points,
                     category, store_id)
        answer = _answer(row)
        db.session.commit()
        return answer
    except (IntegrityError, PayCodeInvalid):
        # The same redemption_no committed first in a concurrent request (which used the
        # code up): answer as it did.
        db.session.rollback()
        if (first := _by_no(merchant.id, redemption_no)) is None:
            raise
        return _answer(first)


def _spend(merchant, rules, redemption_no, pay_code, amount_fen, points, category, store_id):
    member_id = paycodes.charge(merchant_id=merchant.id, code=pay_code)
    if ledger.in_sql():
        return _spend_in_sql(merchant, rules, member_id, redemption_no, amount_fen, points,
                             category, store_id)
    members.ensure_active(members.get(merchant.id, member_id))
    balance = ledger.lock_account(merchant.id, member_id).balance
    code = pure.refusal(points=points, balance=balance, amount_fen=amount_fen,
                        category=category, rules=rules)
    if code:
        raise _refused(code, balance, amount_fen, category, rules)
    entry = ledger.post(merchant_id=merchant.id, member_id=member_id, amount=-points,
                        type="redeem", reason="till_redemption",
                        ref=ledger.Ref("redemption", redemption_no),
                        idempotency_key=f"till:{redemption_no}")
    row = Redemption(merchant_id=merchant.id, redemption_no=redemption_no,
                     member_id=member_id, amount_fen=amount_fen, category=category,
                     store_id=store_id, points=points,
                     discount_fen=points * rules["fen_per_point"],
                     balance_after=entry.balance_after, entry_id=entry.id, created_at=now())
    db.session.add(row)
    db.session.flush()
    return row


def _spend_in_sql(merchant, rules, member_id, redemption_no, amount_fen, points, category,
                  store_id):
    """Member check, locked balance check, debit and row in one round trip (the ledger's
    `jifen_till_redeem`); the share limit needs no locked state, so it is decided here."""
    def refused(code):
        return lambda details: _refused(code, details["balance"], amount_fen, category, rules)

    over = pure.refusal(points=points, balance=points, amount_fen=amount_fen,
                        category=category, rules=rules) == "LIMIT_EXCEEDED"
    done = ledger.call("jifen_till_redeem", refusals={
        "MEMBER_FROZEN": lambda _: MemberFrozen(), **{code: refused(code) for code in REFUSALS}},
        merchant=merchant.id, member=member_id, redemption_no=redemption_no,
        amount_fen=amount_fen, category=category, store=store_id, points=points,
        discount_fen=points * rules["fen_per_point"], over_limit=over, now=now())
    return ledger.adopt(Redemption, done["redemption"])


def _refused(code: str, balance: int, amount_fen: int, category, rules) -> Exception:
    return REFUSALS[code](details={"balance": balance, "max_points": pure.max_points(
        balance=balance, amount_fen=amount_fen, category=category, rules=rules)})


def void(merchant: Merchant, redemption_no: str) -> dict:
    """Give every point back, lot-exactly, the same local day; a second void answers the same."""
    row = _by_no(merchant.id, redemption_no, lock=True)
    if row is None:
        raise NotFound("Unknown redemption_no.")
    if row.status != "voided":
        _check_voidable(merchant, row)
        original = ledger.find_by_key(merchant.id, f"till:{redemption_no}")
        entry = ledger.post(merchant_id=merchant.id, member_id=row.member_id, amount=0,
                            type="refund", reason="till_void", restore=original,
                            ref=ledger.Ref("redemption", redemption_no),
                            idempotency_key=f"till-void:{redemption_no}")
        row.status, row.voided_at = "voided", now()
        row.void_entry_id, row.void_balance = entry.id, entry.balance_after
        row.void_points = entry.amount
    answer = _void_answer(row)
    db.session.commit()
    return answer


def _check_voidable(merchant: Merchant, row: Redemption) -> None:
    if row.order_id is not None:
        raise Conflict("This redemption paid an order: refund the order instead.")
    if local_date(row.created_at, merchant.timezone) != local_date(now(), merchant.timezone):
        raise Conflict("A redemption can be voided only on the day it was made.")


def tie_to_order(merchant_id: int, redemption_no: str, *, order_id: int,
                 member_id: int) -> None:
    """Tie a redemption to the one order whose bill it paid (inside the order's transaction)."""
    row = _by_no(merchant_id, redemption_no, lock=True)
    if row is None:
        raise NotFound("Unknown redemption_no.")
    if row.member_id != member_id:
        raise Conflict("This redemption belongs to another member.")
    if row.status == "voided" or row.order_id is not None:
        raise Conflict("This redemption is voided or already paid another order.")
    row.order_id = order_id
    db.session.flush()


def return_on_refund(merchant_id: int, *, order_id: int, refund_no: str, cash_fen: int,
                     refunded_fen: int) -> int:
    """Points a refund of the order gives back, in proportion to the cash refunded."""
    row = db.session.execute(select(Redemption).where(
        Redemption.merchant_id == merchant_id, Redemption.order_id == order_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        return 0
    count = pure.points_to_return(used=row.points, cash_fen=cash_fen,
                                  refunded_fen=refunded_fen, returned=row.points_returned)
    entry = None
    if count > 0:
        entry = ledger.give_back_part(
            merchant_id=merchant_id, member_id=row.member_id,
            original=ledger.find_by_key(merchant_id, f"till:{row.redemption_no}"),
            start=row.points_returned, count=count, type="refund", reason="till_refund",
            ref=ledger.Ref("pos_refund", refund_no), idempotency_key=f"till-refund:{refund_no}")
    row.points_returned += count
    db.session.add(RedemptionReturn(merchant_id=merchant_id, redemption_id=row.id,
                                    refund_no=refund_no, points=entry.amount if entry else 0,
                                    entry_id=entry.id if entry else None))
    db.session.flush()
    return entry.amount if entry else 0


def returned_by(merchant_id: int, refund_no: str) -> int:
    """Points a refund gave back (0 when its order had no redemption)."""
    return db.session.execute(select(RedemptionReturn.points).where(
        RedemptionReturn.merchant_id == merchant_id,
        RedemptionReturn.refund_no == refund_no)).scalar() or 0


def _by_no(merchant_id: int, redemption_no: str, *, lock: bool = False) -> Redemption | None:
    query = select(Redemption).where(Redemption.merchant_id == merchant_id,
                                     Redemption.redemption_no == redemption_no)
    if lock:
        query = query.with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)
                              ).scalar_one_or_none()


def _answer(row: Redemption) -> dict:
    return {"redemption_no": row.redemption_no, "member_id": row.member_id,
            "points": row.points, "discount_fen": row.discount_fen,
            "balance": row.balance_after}


def _void_answer(row: Redemption) -> dict:
    return {"redemption_no": row.redemption_no, "points_returned": row.void_points,
            "balance": row.void_balance}


def staff_quote(merchant_id: int, **args) -> dict:
    """A quote for the console, with the member's name and card number."""
    answer = quote(db.session.get(Merchant, merchant_id), **args)
    member = members.get(merchant_id, answer["member_id"])
    return {**answer, "nickname": member.nickname, "card_no": member.card_no}


def staff_redeem(merchant_id: int, **args) -> dict:
    """A redemption made from the console; audited."""
    answer = redeem(db.session.get(Merchant, merchant_id), **args)
    _audit(merchant_id, "counter.redeem", args["redemption_no"], answer)
    return answer


def staff_void(merchant_id: int, redemption_no: str) -> dict:
    """A void made from the console; audited."""
    answer = void(db.session.get(Merchant, merchant_id), redemption_no)
    _audit(merchant_id, "counter.void", redemption_no, answer)
    return answer


def _audit(merchant_id: int, action: str, redemption_no: str, answer: dict) -> None:
    audit.record(merchant_id=merchant_id, action=action, target_type="redemption",
                 target_id=redemption_no, after=answer)
    db.session.commit()
