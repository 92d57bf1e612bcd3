"""Expiry of lots (set-based, batch by batch of accounts) and notices before it happens.

`_expire_batch` is the one balance writer besides `ledger.post` (for speed on millions of
lots): it keeps post's invariants (account locked, one entry with `balance_after`, lot
consumptions, balance = Σ entries = Σ live lots) and `flask ledger verify` checks them.
"""

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import and_, func, insert, select, update

from core.clock import now
from core.extensions import db
from core.models import Merchant
from loyalty import hooks
from loyalty.models import LedgerEntry, Lot, LotConsumption, OutboxMessage, PointsAccount

BATCH = 5000


def _due(moment):
    return and_(Lot.remaining > 0, Lot.expired_at.is_(None), Lot.expires_at <= moment)


def expire_due(batch_size: int = BATCH) -> dict:
    """Write off every lot past its expiry: one `expire` entry per affected account."""
    moment, run = now(), uuid.uuid4().hex
    accounts = points = last = 0
    # Keyset over account ids walks the (account_id, expires_at) index once, not per batch.
    while ids := db.session.execute(
            select(Lot.account_id).where(_due(moment), Lot.account_id > last).distinct()
            .order_by(Lot.account_id).limit(batch_size)).scalars().all():
        points += _expire_batch(ids, moment, run)
        accounts, last = accounts + len(ids), ids[-1]
        db.session.commit()
    return {"accounts": accounts, "points": points, "run": run}


def _expire_batch(account_ids: list[int], moment, run: str) -> int:
    locked = db.session.execute(
        select(PointsAccount.id, PointsAccount.balance, PointsAccount.merchant_id,
               PointsAccount.member_id)
        .where(PointsAccount.id.in_(account_ids)).order_by(PointsAccount.id)
        .with_for_update()).all()
    due = and_(Lot.account_id.in_(account_ids), _due(moment))
    sums = dict(db.session.execute(select(Lot.account_id, func.sum(Lot.remaining))
                                   .where(due).group_by(Lot.account_id)).all())
    rows = [{"merchant_id": a.merchant_id, "account_id": a.id, "member_id": a.member_id,
             "type": "expire", "reason_code": "expiry", "amount": -int(sums[a.id]),
             "balance_after": a.balance - int(sums[a.id]), "ref_type": "expiry_run",
             "ref_id": run, "idempotency_key": f"expire:{run}:{a.id}", "created_at": moment}
            for a in locked if sums.get(a.id)]
    entry_ids = list(db.session.execute(insert(LedgerEntry).returning(LedgerEntry.id),
                                        rows).scalars())
    # Joining on the new entries' primary keys keeps every statement index-driven.
    new_entry = and_(LedgerEntry.id.in_(entry_ids), LedgerEntry.account_id == Lot.account_id)
    db.session.execute(insert(LotConsumption).from_select(
        ["entry_id", "lot_id", "amount"],
        select(LedgerEntry.id, Lot.id, Lot.remaining).join(LedgerEntry, new_entry).where(due)))
    db.session.execute(update(Lot).where(due).values(remaining=0, expired_at=moment)
                       .execution_options(synchronize_session=False))
    db.session.execute(
        update(PointsAccount).where(PointsAccount.id.in_(account_ids)).values(
            balance=select(LedgerEntry.balance_after).where(
                LedgerEntry.id.in_(entry_ids), LedgerEntry.account_id == PointsAccount.id)
            .scalar_subquery())
        .execution_options(synchronize_session=False))
    return -sum(row["amount"] for row in rows)


def queue_notices() -> dict:
    """Queue one notice per member for lots expiring within the notice window, once per lot."""
    moment, queued = now(), 0
    for merchant in db.session.execute(select(Merchant)).scalars():
        horizon = moment + timedelta(days=merchant.rules["expiry"]["notice_days"])
        queued += _queue_for(merchant, moment, horizon)
        queued += hooks.package_notices.queue_expiring(merchant, moment)  # e.g. care packages
    db.session.commit()
    return {"queued": queued}


def _queue_for(merchant: Merchant, moment, horizon) -> int:
    soon = and_(Lot.merchant_id == merchant.id, Lot.remaining > 0, Lot.expired_at.is_(None),
                Lot.notified_at.is_(None), Lot.expires_at > moment, Lot.expires_at <= horizon)
    groups = db.session.execute(
        select(PointsAccount.member_id, func.sum(Lot.remaining), func.min(Lot.expires_at),
               func.min(Lot.id), func.max(Lot.id))
        .join(PointsAccount, PointsAccount.id == Lot.account_id).where(soon)
        .group_by(PointsAccount.member_id)).all()
    template = merchant.rules["notifications"]["expiry_template_id"]
    for member_id, points, first_expiry, low, high in groups:
        key = hashlib.sha256(f"{member_id}:{low}:{high}:{moment}".encode()).hexdigest()[:32]
        db.session.add(OutboxMessage(
            merchant_id=merchant.id, member_id=member_id, kind="expiry_notice",
            dedupe_key=f"expiry:{key}", payload={
                "template_id": template, "points": int(points),
                "expires_at": first_expiry.isoformat()}, next_attempt_at=moment))
    db.session.execute(update(Lot).where(soon).values(notified_at=moment)
                       .execution_options(synchronize_session=False))
    return len(groups)

