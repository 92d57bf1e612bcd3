"""Expiry of lots (set-based, batch by batch of accounts) and notices before it happens.

`_expire_batch` is the one balance writer besides `ledger.post` (for speed on millions of
lots): it keeps post's invariants (account locked, one entry with `balance_after`, lot
consumptions, balance = Σ entries = Σ live lots) and `flask ledger verify` checks them.
"""

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, insert, select, text, update

from core.clock import now
from core.extensions import db
from core.models import Merchant
from loyalty import hooks
from loyalty.models import LedgerEntry, Lot, LotConsumption, OutboxMessage, PointsAccount

BATCH = 5000
WORKERS = 2

# One statement per batch on PostgreSQL. The accounts are already locked by an earlier
# statement, so this one's snapshot sees every spend that committed before the lock, and
# `due` and the UPDATE of the same lots read the same rows.
WRITE_OFF = text("""
WITH due AS (
    SELECT id, account_id, remaining FROM lots
    WHERE account_id = ANY(CAST(:ids AS bigint[])) AND remaining > 0
      AND expired_at IS NULL AND expires_at <= :moment
), written AS (
    UPDATE lots SET remaining = 0, expired_at = :moment
    WHERE account_id = ANY(CAST(:ids AS bigint[])) AND remaining > 0
      AND expired_at IS NULL AND expires_at <= :moment
), entries AS (
    INSERT INTO ledger_entries (merchant_id, account_id, member_id, type, reason_code, amount,
                                balance_after, ref_type, ref_id, idempotency_key, created_at)
    SELECT a.merchant_id, a.id, a.member_id, 'expire', 'expiry', -d.points,
           a.balance - d.points, 'expiry_run', CAST(:run AS text),
           'expire:' || CAST(:run AS text) || ':' || a.id, :moment
    FROM points_accounts a
    JOIN (SELECT account_id, sum(remaining) AS points FROM due GROUP BY account_id) d
      ON d.account_id = a.id
    RETURNING id, account_id, amount, balance_after
), consumed AS (
    INSERT INTO lot_consumptions (entry_id, lot_id, amount)
    SELECT e.id, due.id, due.remaining FROM due JOIN entries e USING (account_id)
), balances AS (
    UPDATE points_accounts a SET balance = e.balance_after, updated_at = :moment
    FROM entries e WHERE a.id = e.account_id
)
SELECT count(*), coalesce(-sum(amount), 0) FROM entries
""")


def _due(moment):
    return and_(Lot.remaining > 0, Lot.expired_at.is_(None), Lot.expires_at <= moment)


def expire_due(batch_size: int = BATCH, workers: int = WORKERS) -> dict:
    """Write off every lot past its expiry: one `expire` entry per affected account.

    On PostgreSQL `workers` sessions write batches off side by side; the batches hold
    disjoint accounts, each locked in id order, so they never wait on one another.
    """
    moment, run = now(), uuid.uuid4().hex
    batches = _batches(moment, batch_size)
    if workers == 1 or db.engine.dialect.name != "postgresql":
        written = [_expire_batch(ids, moment, run) for ids in batches]
    else:
        app = current_app._get_current_object()

        def in_own_session(ids: list[int]) -> tuple[int, int]:
            with app.app_context():
                return _expire_batch(ids, moment, run)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            written = list(pool.map(in_own_session, batches))
    return {"accounts": sum(a for a, _ in written), "points": sum(p for _, p in written),
            "run": run}


def _batches(moment, batch_size: int):
    """The ids of accounts with due lots, batch by batch in id order.

    Keyset over account ids walks the (account_id, expires_at) index once, not per batch.
    """
    last = 0
    while ids := list(db.session.execute(
            select(Lot.account_id).where(_due(moment), Lot.account_id > last).distinct()
            .order_by(Lot.account_id).limit(batch_size)).scalars()):
        yield ids
        last = ids[-1]


def _expire_batch(account_ids: list[int], moment, run: str) -> tuple[int, int]:
    """Lock the accounts, write off what is due on them now, commit; (accounts, points)."""
    db.session.execute(select(PointsAccount.id).where(PointsAccount.id.in_(account_ids))
                       .order_by(PointsAccount.id).with_for_update())
    write_off = _write_off_at_once if db.engine.dialect.name == "postgresql" else _write_off
    written = write_off(account_ids, moment, run)
    db.session.commit()
    return written


def _write_off_at_once(account_ids: list[int], moment, run: str) -> tuple[int, int]:
    # A batch's lots and their tuplestores must not spill to disk at the server's default.
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    accounts, points = db.session.execute(WRITE_OFF, {"ids": account_ids, "moment": moment,
                                                      "run": run}).one()
    return int(accounts), int(points)


def _write_off(account_ids: list[int], moment, run: str) -> tuple[int, int]:
    """The same write-off statement by statement (SQLite has no data-modifying CTEs)."""
    accounts = db.session.execute(
        select(PointsAccount.id, PointsAccount.balance, PointsAccount.merchant_id,
               PointsAccount.member_id)
        .where(PointsAccount.id.in_(account_ids))).all()
    due = and_(Lot.account_id.in_(account_ids), _due(moment))
    sums = dict(db.session.execute(select(Lot.account_id, func.sum(Lot.remaining))
                                   .where(due).group_by(Lot.account_id)).all())
    rows = [{"merchant_id": a.merchant_id, "account_id": a.id, "member_id": a.member_id,
             "type": "expire", "reason_code": "expiry", "amount": -int(sums[a.id]),
             "balance_after": a.balance - int(sums[a.id]), "ref_type": "expiry_run",
             "ref_id": run, "idempotency_key": f"expire:{run}:{a.id}", "created_at": moment}
            for a in accounts if sums.get(a.id)]
    if not rows:
        return 0, 0
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
        update(PointsAccount).where(PointsAccount.id.in_([r["account_id"] for r in rows])).values(
            balance=select(LedgerEntry.balance_after).where(
                LedgerEntry.id.in_(entry_ids), LedgerEntry.account_id == PointsAccount.id)
            .scalar_subquery())
        .execution_options(synchronize_session=False))
    return len(rows), -sum(row["amount"] for row in rows)


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

