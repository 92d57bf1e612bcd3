"""Top-ups: at the counter (paid there) and by members through the payment provider."""

import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import Staff
from core import audit, merchants
from core.clock import now
from core.errors import ApiError, Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import Merchant
from loyalty import ledger as points
from loyalty import members
from mall.payments import provider
from wallet import ledger, settings, split
from wallet.models import Topup, WalletEntry


def _plan_parts(merchant_id: int, amount_fen: int | None, plan_code: str | None):
    plan = None
    if plan_code is not None:
        plan = split.find_plan(settings.of(merchant_id)["plans"], plan_code)
        if plan is None:
            raise ValidationFailed(details={"plan_code": ["Unknown plan."]})
        if amount_fen is None:
            amount_fen = plan["amount_fen"]
        if amount_fen != plan["amount_fen"]:
            raise ValidationFailed(details={"amount_fen": ["Must equal the plan's amount."]})
    if amount_fen is None:
        raise ValidationFailed(details={"amount_fen": ["Give amount_fen or plan_code."]})
    return split.topup_parts(amount_fen, plan)


def _new(merchant: Merchant, member_id: int, topup_no: str, source: str, amount_fen, plan_code,
         store_id=None) -> Topup:
    principal, gift, bonus = _plan_parts(merchant.id, amount_fen, plan_code)
    topup = Topup(merchant_id=merchant.id, member_id=member_id, topup_no=topup_no,
                  source=source, plan_code=plan_code, rules_version=merchant.rules_version,
                  principal_fen=principal, gift_fen=gift, bonus_points=bonus,
                  status="pending_payment", store_id=store_id, created_at=now())
    db.session.add(topup)
    db.session.flush()  # the unique (merchant, topup_no) row is the once-only guarantee
    return topup


def _credit(topup: Topup, payment_ref: str, operator_id: int | None = None) -> None:
    """Mark paid: principal and gift into the wallet, bonus points into the points ledger."""
    account = ledger.lock_account(topup.merchant_id, topup.member_id, create=True)
    entry = ledger.post(account, principal_fen=topup.principal_fen, gift_fen=topup.gift_fen,
                        type="topup", reason=topup.source, ref=("topup", topup.id),
                        store_id=topup.store_id, operator_id=operator_id)
    topup.status, topup.paid_at = "paid", entry.created_at
    topup.entry_id, topup.payment_ref = entry.id, payment_ref
    if topup.bonus_points:
        points.post(merchant_id=topup.merchant_id, member_id=topup.member_id,
                    amount=topup.bonus_points, type="earn", reason="wallet_topup_bonus",
                    ref=points.Ref("wallet_topup", topup.topup_no),
                    operator_id=operator_id, idempotency_key=f"wallet-topup:{topup.topup_no}")


def at_counter(merchant: Merchant, *, topup_no: str, payer: Callable[[], int],
               amount_fen: int, plan_code: str | None = None, store_id: int | None = None,
               staff: Staff | None = None) -> Topup:
    """A top-up paid at the counter, once per topup_no; a repeat returns the first one.

    `payer` names the member (by pay code, which it uses up, or by card, phone or id);
    `staff` is the console user who took the money (audited), None for a POS."""
    existing = _by_no(merchant.id, topup_no)
    if existing is not None:
        return existing
    merchants.store_of(merchant.id, store_id)
    try:
        topup = _new(merchant, payer(), topup_no, "counter", amount_fen, plan_code, store_id)
        _credit(topup, payment_ref="counter", operator_id=staff.id if staff else None)
        if staff is not None:
            audit.record(merchant_id=merchant.id, action="wallet.topup", target_type="member",
                         target_id=topup.member_id, after=counter_answer(topup))
        db.session.commit()
        return topup
    except (IntegrityError, ApiError):
        # The same topup_no may have committed first in a concurrent request: answer as it
        # did; otherwise the refusal stands (and a pay code stays usable).
        db.session.rollback()
        again = _by_no(merchant.id, topup_no)
        if again is None:
            raise
        return again


def counter_answer(topup: Topup) -> dict:
    """The POS answer: the top-up's parts and the wallet right after it."""
    entry = db.session.get(WalletEntry, topup.entry_id)
    return {"topup_id": topup.id, "topup_no": topup.topup_no, "member_id": topup.member_id,
            "principal_fen": topup.principal_fen, "gift_fen": topup.gift_fen,
            "bonus_points": topup.bonus_points,
            "wallet": {"principal_fen": entry.principal_after, "gift_fen": entry.gift_after}}


def create_for_member(member_id: int, merchant_id: int, *, amount_fen: int | None = None,
                      plan_code: str | None = None) -> Topup:
    """A member's top-up order, to be paid through the provider before its deadline."""
    merchant = merchants.get(merchant_id)
    topup = _new(merchant, member_id, f"m{member_id}-{uuid.uuid4().hex[:16]}", "member",
                 amount_fen, plan_code)
    minutes = settings.of(merchant_id)["pay_timeout_minutes"]
    topup.pay_deadline = topup.created_at + timedelta(minutes=minutes)
    db.session.commit()
    return topup


def pay(member_id: int, merchant_id: int, topup_id: int) -> Topup:
    """Pay a pending top-up through the provider; a paid one is answered as it is."""
    topup = get(merchant_id, topup_id, member_id=member_id, lock=True)
    if topup.status == "pending_payment" and topup.pay_deadline <= now():
        topup.status = "expired"
        db.session.commit()
    if topup.status == "pending_payment":
        _credit(topup, payment_ref=provider().charge(topup))
        db.session.commit()
    elif topup.status != "paid":
        raise Conflict(f"This top-up is {topup.status}.", details={"status": topup.status})
    return topup


def expire_unpaid() -> dict:
    """Close every member top-up whose payment deadline passed; nothing was credited."""
    due = db.session.execute(select(Topup).where(
        Topup.status == "pending_payment", Topup.pay_deadline <= now())
        .with_for_update(skip_locked=True)).scalars().all()
    for topup in due:
        topup.status = "expired"
    db.session.commit()
    return {"expired": len(due)}


def get(merchant_id: int, topup_id: int, *, member_id: int | None = None,
        lock: bool = False) -> Topup:
    """A top-up of this merchant (and member, when given), or NOT_FOUND."""
    query = select(Topup).where(Topup.id == topup_id, Topup.merchant_id == merchant_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    topup = db.session.execute(query).scalar_one_or_none()
    if topup is None or (member_id is not None and topup.member_id != member_id):
        raise NotFound("Unknown top-up.")
    return topup


def of_member(merchant_id: int, member_id: int):
    """A select of a member's top-ups (paginate it)."""
    return select(Topup).where(Topup.merchant_id == merchant_id, Topup.member_id == member_id)


def _by_no(merchant_id: int, topup_no: str) -> Topup | None:
    return db.session.execute(select(Topup).where(
        Topup.merchant_id == merchant_id, Topup.topup_no == topup_no)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def named_member(merchant_id: int, member: dict) -> int:
    """The member a counter top-up names by card_no, phone or id."""
    return members.find(merchant_id, **member).id
