"""Support tools: adjustments with approval, reversals, freezing, PIPL anonymisation."""

from sqlalchemy import select

from auth.models import Staff
from auth.tokens import revoke_subject
from core import audit
from core.clock import now
from core.errors import Conflict, Forbidden, NotFound
from core.extensions import db
from core.models import Merchant
from loyalty import ledger, members
from loyalty.models import Adjustment, LedgerEntry, Member, PosOrder

REVERSIBLE = {"earn", "adjust"}


def request_adjustment(staff: Staff, member_id: int, *, delta: int, reason_code: str,
                       note: str | None) -> Adjustment:
    """Apply at once up to the merchant's threshold; above it, wait for a manager."""
    member = members.get(staff.merchant_id, member_id)
    threshold = db.session.get(Merchant, staff.merchant_id).rules["approval_threshold"]
    adjustment = Adjustment(merchant_id=staff.merchant_id, member_id=member.id, delta=delta,
                            reason_code=reason_code, note=note, requested_by=staff.id,
                            status="pending_approval")
    db.session.add(adjustment)
    db.session.flush()
    if abs(delta) <= threshold:
        _apply(adjustment, approver=None)
    audit.record(merchant_id=staff.merchant_id, action="adjustment.request",
                 target_type="member", target_id=member.id, after=_view(adjustment))
    db.session.commit()
    return adjustment


def decide(staff: Staff, adjustment_id: int, *, approve: bool) -> Adjustment:
    """Approve or reject a pending adjustment; never by the staff who requested it."""
    adjustment = _pending(staff.merchant_id, adjustment_id)
    if adjustment.requested_by == staff.id:
        raise Forbidden("An adjustment cannot be approved or rejected by its requester.")
    before = _view(adjustment)
    if approve:
        _apply(adjustment, approver=staff)
    else:
        adjustment.status, adjustment.approved_by = "rejected", staff.id
    adjustment.decided_at = now()
    audit.record(merchant_id=staff.merchant_id,
                 action="adjustment.approve" if approve else "adjustment.reject",
                 target_type="adjustment", target_id=adjustment.id, before=before,
                 after=_view(adjustment))
    db.session.commit()
    return adjustment


def adjustments(merchant_id: int, status: str | None):
    """A select of the merchant's adjustments, optionally of one status."""
    query = select(Adjustment).where(Adjustment.merchant_id == merchant_id)
    return query.where(Adjustment.status == status) if status else query


def _pending(merchant_id: int, adjustment_id: int) -> Adjustment:
    adjustment = db.session.execute(
        select(Adjustment).where(Adjustment.id == adjustment_id,
                                 Adjustment.merchant_id == merchant_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if adjustment is None:
        raise NotFound("Unknown adjustment.")
    if adjustment.status != "pending_approval":
        raise Conflict(f"The adjustment is already {adjustment.status}.")
    return adjustment


def _apply(adjustment: Adjustment, approver: Staff | None) -> None:
    if adjustment.reverses_id is not None:
        return _apply_reversal(adjustment, approver)
    entry = ledger.post(merchant_id=adjustment.merchant_id, member_id=adjustment.member_id,
                        amount=adjustment.delta, type="adjust", reason=adjustment.reason_code,
                        ref=ledger.Ref("adjustment", str(adjustment.id)),
                        operator_id=approver.id if approver else adjustment.requested_by,
                        note=adjustment.note, idempotency_key=f"adjustment:{adjustment.id}")
    adjustment.status, adjustment.entry_id = "applied", entry.id
    adjustment.approved_by = approver.id if approver else None


def _apply_reversal(adjustment: Adjustment, approver: Staff) -> None:
    """An approved reversal, re-checked now: a refund meanwhile may have taken some back."""
    original = db.session.get(LedgerEntry, adjustment.reverses_id)
    order = _purchase_of(original)
    ledger.lock_account(original.merchant_id, original.member_id)
    amount = _reversal_amount(original, order)
    entry = _post_reversal(original, order, amount, operator_id=approver.id,
                           note=adjustment.note)
    adjustment.delta, adjustment.status, adjustment.entry_id = amount, "applied", entry.id
    adjustment.approved_by = approver.id


def _view(adjustment: Adjustment) -> dict:
    return {"id": adjustment.id, "delta": adjustment.delta, "status": adjustment.status,
            "reason_code": adjustment.reason_code, "note": adjustment.note}


def reverse(staff: Staff, entry_id: int, *, reason: str) -> LedgerEntry | Adjustment:
    """Undo one earn or adjustment, once: credits are taken back from their own lot first.

    A purchase's credit is undone once in total: what its POS refunds already clawed back
    is not taken again (nothing left: CONFLICT), and later refunds claw back nothing more.
    Above the approval threshold the reversal waits, as an adjustment, for a manager."""
    original = _reversible(staff.merchant_id, entry_id)
    order = _purchase_of(original)  # the document first, then the account (ledger.py)
    ledger.lock_account(original.merchant_id, original.member_id)
    amount = _reversal_amount(original, order)
    threshold = db.session.get(Merchant, staff.merchant_id).rules["approval_threshold"]
    if abs(amount) > threshold:
        return _request_reversal(staff, original, amount, reason)
    entry = _post_reversal(original, order, amount, operator_id=staff.id, note=reason)
    audit.record(merchant_id=staff.merchant_id, action="entry.reverse", target_type="entry",
                 target_id=original.id, after={"reversal_entry": entry.id, "reason": reason,
                                               "amount": entry.amount})
    db.session.commit()
    return entry


def _reversible(merchant_id: int, entry_id: int) -> LedgerEntry:
    original = db.session.get(LedgerEntry, entry_id)
    if original is None or original.merchant_id != merchant_id:
        raise NotFound("Unknown ledger entry.")
    if original.type not in REVERSIBLE:
        raise Conflict(f"Entries of type {original.type} cannot be reversed here.")
    return original


def _reversal_amount(original: LedgerEntry, order: PosOrder | None) -> int:
    """What a reversal posts now (the account is locked); CONFLICT when it is done or due."""
    if db.session.execute(select(LedgerEntry.id).where(
            LedgerEntry.reverses_id == original.id)).first():
        raise Conflict("This entry was already reversed.")
    if order is None:
        return -original.amount
    left = order.points_earned - order.points_clawed
    if left <= 0:
        raise Conflict("A refund already took these points back.",
                       details={"points_clawed": order.points_clawed})
    return -left


def _request_reversal(staff: Staff, original: LedgerEntry, amount: int,
                      reason: str) -> Adjustment:
    if db.session.execute(select(Adjustment.id).where(
            Adjustment.reverses_id == original.id,
            Adjustment.status == "pending_approval")).first():
        raise Conflict("A reversal of this entry is already waiting for approval.")
    adjustment = Adjustment(merchant_id=original.merchant_id, member_id=original.member_id,
                            delta=amount, reason_code="reversal", note=reason,
                            requested_by=staff.id, status="pending_approval",
                            reverses_id=original.id)
    db.session.add(adjustment)
    db.session.flush()
    audit.record(merchant_id=staff.merchant_id, action="adjustment.request",
                 target_type="member", target_id=original.member_id, after=_view(adjustment))
    db.session.commit()
    return adjustment


def _post_reversal(original: LedgerEntry, order: PosOrder | None, amount: int, *,
                   operator_id: int, note: str | None) -> LedgerEntry:
    if order is not None:
        order.points_clawed = order.points_earned  # later refunds claw back nothing more
    common = {"merchant_id": original.merchant_id, "member_id": original.member_id,
              "type": "reverse", "reason": "reversal", "operator_id": operator_id, "note": note,
              "ref": ledger.Ref("entry", str(original.id)), "reverses_id": original.id}
    if original.amount > 0:
        return ledger.post(amount=amount, prefer_lot_id=ledger.lot_of(original.id),
                           on_shortfall="debt", **common)
    return ledger.post(amount=amount, restore=original, **common)


def _purchase_of(original: LedgerEntry) -> PosOrder | None:
    """The POS order a purchase credit was earned by, locked (None for other entries)."""
    if original.type != "earn" or original.ref_type != "pos_order":
        return None
    return db.session.execute(
        select(PosOrder).where(PosOrder.merchant_id == original.merchant_id,
                               PosOrder.entry_id == original.id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def set_status(staff: Staff, member_id: int, status: str) -> Member:
    """Freeze or unfreeze a member (frozen: no earning, no redeeming)."""
    member = members.get(staff.merchant_id, member_id)
    before = member.status
    member.status = status
    audit.record(merchant_id=staff.merchant_id, action=f"member.{status}",
                 target_type="member", target_id=member.id, before={"status": before},
                 after={"status": status})
    db.session.commit()
    return member


def anonymise(staff: Staff, member_id: int) -> Member:
    """PIPL deletion: keep the ledger, remove the person."""
    member = members.get(staff.merchant_id, member_id)
    if member.anonymized_at is None:
        for field in ("openid", "unionid", "nickname", "avatar_url", "gender", "birthday",
                      "phone"):
            setattr(member, field, None)
        member.status, member.anonymized_at = "frozen", now()
        revoke_subject("member", member.id, member.merchant_id)  # refresh tokens too
        audit.record(merchant_id=staff.merchant_id, action="member.anonymise",
                     target_type="member", target_id=member.id)
        db.session.commit()
    return member
