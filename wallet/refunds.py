"""Refunds of top-ups (法释〔2025〕4号): 7 days unused → all of it; later → unused principal.

Within the cooling-off days and with nothing paid from the wallet since the top-up, the
member gets the whole principal back, and the gift and bonus points are taken back. Later,
the unused principal (at most the top-up's) is refunded and its gift forfeited; above
`wallet.refund_approval_fen` a manager other than the requester approves first. Bonus points
already spent become points debt, as POS claw-backs do.
"""

from datetime import timedelta

from sqlalchemy import exists, select

from auth.models import Staff
from core import audit
from core.clock import now
from core.errors import Conflict, Forbidden, NotFound
from core.extensions import db
from loyalty import ledger as points
from mall.payments import provider
from wallet import ledger, settings, split, topups
from wallet.models import Topup, TopupRefund, WalletEntry


def request(merchant_id: int, topup_id: int, *, member_id: int | None = None,
            staff: Staff | None = None, method: str | None = None) -> TopupRefund:
    """Ask for a top-up's money back; applied at once unless it needs approval."""
    topup = topups.get(merchant_id, topup_id, member_id=member_id, lock=True)
    if topup.status != "paid":
        raise Conflict(f"This top-up is {topup.status}.", details={"status": topup.status})
    account = ledger.lock_account(merchant_id, topup.member_id)
    kind = "cooling_off" if _cooling_off(topup, account.id) else "unused_principal"
    back = _parts(topup, account)
    if back.principal_fen == 0:
        raise Conflict("Nothing of this top-up is left to refund.")
    refund = TopupRefund(
        merchant_id=merchant_id, member_id=topup.member_id, topup_id=topup.id, kind=kind,
        method=method or ("provider" if topup.source == "member" else "cash"),
        status="pending_approval", principal_fen=back.principal_fen, gift_fen=back.gift_fen,
        bonus_points=topup.bonus_points, requested_by=staff.id if staff else None,
        created_at=now())
    db.session.add(refund)
    db.session.flush()
    threshold = settings.of(merchant_id)["refund_approval_fen"]
    if kind == "cooling_off" or back.principal_fen <= threshold:
        _apply(refund, topup, account, approver=None)
    else:
        topup.status = "refund_pending"
    if staff is not None:
        _audit(staff, refund, "wallet_refund.request", before=None)
    db.session.commit()
    return refund


def _cooling_off(topup: Topup, account_id: int) -> bool:
    days = settings.of(topup.merchant_id)["cooling_off_days"]
    if now() - topup.paid_at > timedelta(days=days):
        return False
    used = db.session.execute(select(exists().where(
        WalletEntry.account_id == account_id, WalletEntry.type == "payment",
        WalletEntry.id > topup.entry_id))).scalar()
    return not used


def _parts(topup: Topup, account) -> split.Parts:
    return split.topup_refund_parts(split.Parts(topup.principal_fen, topup.gift_fen),
                                    ledger.parts(account))


def _apply(refund: TopupRefund, topup: Topup, account, approver: Staff | None) -> None:
    back = _parts(topup, account) if refund.kind == "unused_principal" else split.Parts(
        refund.principal_fen, refund.gift_fen)
    if back.principal_fen == 0:
        raise Conflict("Nothing of this top-up is left to refund.")
    operator = approver.id if approver else refund.requested_by
    entry = ledger.post(account, principal_fen=-back.principal_fen, gift_fen=0,
                        type="topup_refund", reason=refund.kind, ref=("topup", topup.id),
                        operator_id=operator, store_id=topup.store_id)
    if back.gift_fen:  # a gift was never paid for: it is taken back, not refunded
        ledger.post(account, principal_fen=0, gift_fen=-back.gift_fen, type="gift_forfeit",
                    reason=refund.kind, ref=("topup", topup.id), operator_id=operator,
                    store_id=topup.store_id)
    refund.principal_fen, refund.gift_fen, refund.entry_id = (
        back.principal_fen, back.gift_fen, entry.id)
    refund.points_debt = _take_back_points(refund, topup)
    refund.refund_ref = provider().refund(topup) if refund.method == "provider" else "cash"
    refund.status, topup.status = "applied", "refunded"
    refund.approved_by = approver.id if approver else None


def _take_back_points(refund: TopupRefund, topup: Topup) -> int:
    """Take the bonus points back; what was already spent becomes points debt."""
    if not topup.bonus_points:
        return 0
    before = points.lock_account(topup.merchant_id, topup.member_id).debt
    points.post(merchant_id=topup.merchant_id, member_id=topup.member_id,
                amount=-topup.bonus_points, type="clawback", reason="wallet_topup_refund",
                ref=points.Ref("wallet_topup", topup.topup_no), on_shortfall="debt",
                idempotency_key=f"wallet-topup-refund:{topup.topup_no}")
    return points.lock_account(topup.merchant_id, topup.member_id).debt - before


def decide(staff: Staff, refund_id: int, *, approve: bool) -> TopupRefund:
    """Approve or reject a pending refund; never by the staff member who requested it."""
    refund = _pending(staff.merchant_id, refund_id)
    if refund.requested_by == staff.id:
        raise Forbidden("A refund cannot be approved or rejected by its requester.")
    topup = topups.get(staff.merchant_id, refund.topup_id, lock=True)
    before = _view(refund)
    if approve:
        _apply(refund, topup, ledger.lock_account(staff.merchant_id, topup.member_id), staff)
    else:
        refund.status, refund.approved_by, topup.status = "rejected", staff.id, "paid"
    refund.decided_at = now()
    _audit(staff, refund, "wallet_refund.approve" if approve else "wallet_refund.reject",
           before=before)
    db.session.commit()
    return refund


def _pending(merchant_id: int, refund_id: int) -> TopupRefund:
    refund = db.session.execute(
        select(TopupRefund).where(TopupRefund.id == refund_id,
                                  TopupRefund.merchant_id == merchant_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if refund is None:
        raise NotFound("Unknown refund.")
    if refund.status != "pending_approval":
        raise Conflict(f"The refund is already {refund.status}.")
    return refund


def _view(refund: TopupRefund) -> dict:
    return {"id": refund.id, "topup_id": refund.topup_id, "kind": refund.kind,
            "status": refund.status, "principal_fen": refund.principal_fen,
            "gift_fen": refund.gift_fen, "method": refund.method}


def _audit(staff: Staff, refund: TopupRefund, action: str, before: dict | None) -> None:
    audit.record(merchant_id=staff.merchant_id, action=action, target_type="wallet_refund",
                 target_id=refund.id, before=before, after=_view(refund))


def of_merchant(merchant_id: int, status: str | None):
    """A select of the merchant's top-up refunds, optionally of one status."""
    query = select(TopupRefund).where(TopupRefund.merchant_id == merchant_id)
    return query.where(TopupRefund.status == status) if status else query
