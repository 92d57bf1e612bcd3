"""Paying from the wallet at the counter, and refunds of those payments."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import Staff
from core import audit, merchants
from core.errors import ApiError, Conflict, InsufficientFunds, NotFound
from core.extensions import db
from core.models import Merchant
from wallet import earning, ledger, settings, split
from wallet.models import Payment, PaymentRefund


def pay(merchant: Merchant, *, payment_no: str, payer: Callable[[], int], amount_fen: int,
        order_no: str | None = None, store_id: int | None = None,
        staff: Staff | None = None) -> Payment:
    """Pay once per payment_no; `payer` names the member (it uses up their pay code).

    A refusal rolls the whole transaction back, so the pay code stays usable. `staff` is
    the console user at the counter (audited), None for a POS."""
    existing = _payment(merchant.id, payment_no)
    if existing is not None:
        return existing
    merchants.store_of(merchant.id, store_id)
    try:
        payment = _take(merchant, payer(), payment_no, amount_fen, order_no, store_id,
                        staff.id if staff else None)
        if staff is not None:
            audit.record(merchant_id=merchant.id, action="wallet.payment", target_type="member",
                         target_id=payment.member_id, after={
                             "payment_no": payment_no, "amount_fen": amount_fen,
                             "principal_fen": payment.principal_fen,
                             "gift_fen": payment.gift_fen})
        db.session.commit()
        return payment
    except (IntegrityError, ApiError):
        # The same payment_no may have committed first in a concurrent request (which also
        # used up the pay code): answer as it did; otherwise the refusal stands.
        db.session.rollback()
        again = _payment(merchant.id, payment_no)
        if again is None:
            raise
        return again


def _take(merchant, member_id, payment_no, amount_fen, order_no, store_id,
          operator_id) -> Payment:
    account = ledger.lock_account(merchant.id, member_id)
    wallet = ledger.parts(account)
    if account is None or amount_fen > wallet.total:
        raise InsufficientFunds(details={"principal_fen": wallet.principal_fen,
                                         "gift_fen": wallet.gift_fen, "required": amount_fen})
    taken = split.split_payment(amount_fen, wallet.principal_fen, wallet.gift_fen,
                                settings.of(merchant.id)["spend_order"])
    payment = Payment(merchant_id=merchant.id, member_id=member_id, payment_no=payment_no,
                      order_no=order_no, store_id=store_id, amount_fen=amount_fen,
                      principal_fen=taken.principal_fen, gift_fen=taken.gift_fen,
                      principal_after=0, gift_after=0)
    db.session.add(payment)
    db.session.flush()  # the unique (merchant, payment_no) row is the once-only guarantee
    entry = ledger.post(account, principal_fen=-taken.principal_fen, gift_fen=-taken.gift_fen,
                        type="payment", reason="counter_payment", ref=("payment", payment_no),
                        store_id=store_id, operator_id=operator_id)
    payment.principal_after, payment.gift_after = entry.principal_after, entry.gift_after
    earning.credit(merchant, payment)  # after the wallet lock: then points account, member
    return payment


def refund(merchant: Merchant, *, payment_no: str, refund_no: str,
           amount_fen: int) -> PaymentRefund:
    """Give back part of a payment in proportion, once per refund_no, never beyond it."""
    payment = _payment(merchant.id, payment_no, lock=True)
    if payment is None:
        raise NotFound("Unknown payment_no.")
    existing = _refund(merchant.id, refund_no)
    if existing is not None:
        if existing.payment_id != payment.id:
            raise Conflict("This refund_no belongs to another payment.")
        return existing
    if payment.refunded_fen + amount_fen > payment.amount_fen:
        raise Conflict("The refunds would exceed the payment.",
                       details={"refundable_fen": payment.amount_fen - payment.refunded_fen})
    try:
        created = _give_back(payment, refund_no, amount_fen)
        db.session.commit()
        return created
    except IntegrityError:
        db.session.rollback()
        return _refund(merchant.id, refund_no)


def _give_back(payment: Payment, refund_no: str, amount_fen: int) -> PaymentRefund:
    back = split.refund_split(
        split.Parts(payment.principal_fen, payment.gift_fen), payment.refunded_fen, amount_fen,
        split.Parts(payment.refunded_principal_fen, payment.refunded_gift_fen))
    refund = PaymentRefund(merchant_id=payment.merchant_id, payment_id=payment.id,
                           refund_no=refund_no, amount_fen=amount_fen,
                           principal_fen=back.principal_fen, gift_fen=back.gift_fen,
                           principal_after=0, gift_after=0)
    db.session.add(refund)
    db.session.flush()
    account = ledger.lock_account(payment.merchant_id, payment.member_id)
    entry = ledger.post(account, principal_fen=back.principal_fen, gift_fen=back.gift_fen,
                        type="payment_refund", reason="counter_refund",
                        ref=("payment_refund", refund_no), store_id=payment.store_id)
    payment.refunded_fen += amount_fen
    payment.refunded_principal_fen += back.principal_fen
    payment.refunded_gift_fen += back.gift_fen
    earning.claw_back(payment, refund)  # after the wallet lock, as the payment earned
    refund.principal_after, refund.gift_after = entry.principal_after, entry.gift_after
    return refund


def _payment(merchant_id: int, payment_no: str, *, lock: bool = False) -> Payment | None:
    query = select(Payment).where(Payment.merchant_id == merchant_id,
                                  Payment.payment_no == payment_no)
    if lock:
        query = query.with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)
                              ).scalar_one_or_none()


def _refund(merchant_id: int, refund_no: str) -> PaymentRefund | None:
    return db.session.execute(select(PaymentRefund).where(
        PaymentRefund.merchant_id == merchant_id, PaymentRefund.refund_no == refund_no)
        .execution_options(populate_existing=True)).scalar_one_or_none()
