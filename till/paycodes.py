"""Pay codes (付款码): one-time, short-lived codes a member shows to be charged.

`charge` runs inside the caller's transaction: it locks the code row first (lock order:
member row (issue only), pay code, then the points account or wallet), so 16 concurrent
charges of one code let exactly one through, and a charge refused later in that
transaction rolls back with it and leaves the code usable until it expires. Failed
codes count per POS key in Redis.
"""

import secrets
from datetime import timedelta

import segno
from flask import current_app, g
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import keys
from core.clock import now
from core.errors import PayCodeInvalid, RateLimited
from core.extensions import db, rds
from core.ratelimit import parse
from loyalty import members
from till import rules
from till.models import PayCode
from till.secrets_hash import keyed_hash

DIGITS = 18
PREFIX = "jifen://pay/"


def issue(*, merchant_id: int, member_id: int) -> PayCode:
    """A new 18-digit code for the member, voiding their previous one; commits."""
    seconds = rules.till_rules(merchant_id)["pay_code_seconds"]
    attempts = 3
    while True:
        try:
            return _issue_once(merchant_id, member_id, seconds)
        except IntegrityError:
            # A concurrent issue for this member (one active code each) or, astronomically
            # rarely, a hash collision: start again.
            db.session.rollback()
            attempts -= 1
            if not attempts:
                raise


def _issue_once(merchant_id: int, member_id: int, seconds: int) -> PayCode:
    # One issue at a time per member (member row, then the code rows): a new code always
    # sees, and voids, the one before it.
    db.session.refresh(members.get(merchant_id, member_id), with_for_update=True)
    db.session.execute(update(PayCode).where(
        PayCode.member_id == member_id, PayCode.status == "active").values(status="void"))
    code = "".join(secrets.choice("0123456789") for _ in range(DIGITS))
    moment = now()
    row = PayCode(merchant_id=merchant_id, member_id=member_id, code_hash=_hash(code),
                  status="active", expires_at=moment + timedelta(seconds=seconds),
                  created_at=moment)
    db.session.add(row)
    db.session.commit()
    row.code = code
    return row


def answer(row: PayCode) -> dict:
    """The member's view of a freshly issued code."""
    payload = PREFIX + row.code
    return {"code": row.code, "qr_payload": payload, "expires_at": row.expires_at,
            "qr_image": segno.make(payload, error="m").svg_data_uri(scale=5, border=2)}


def charge(*, merchant_id: int, code: str) -> int:
    """Use the code up inside the caller's transaction (no commit); the member's id."""
    row = _find(merchant_id, code, lock=True)
    row.status, row.used_at = "used", now()
    db.session.flush()
    return row.member_id


def peek(*, merchant_id: int, code: str) -> int:
    """The member a valid code belongs to, changing nothing (quotes)."""
    return _find(merchant_id, code, lock=False).member_id


def _find(merchant_id: int, code: str, *, lock: bool) -> PayCode:
    _refuse_when_throttled(merchant_id)
    row = None
    if isinstance(code, str) and len(code) == DIGITS and code.isascii() and code.isdigit():
        query = select(PayCode).where(PayCode.code_hash == _hash(code))
        if lock:
            query = query.with_for_update()
        row = db.session.execute(query.execution_options(populate_existing=True)
                                 ).scalar_one_or_none()
    if row is None or row.merchant_id != merchant_id or row.status != "active" \
            or row.expires_at <= now():
        _count_failure(merchant_id)
        raise PayCodeInvalid()
    return row


def _hash(code: str) -> str:
    return keyed_hash("pay-code", code)


def _failure_key(merchant_id: int) -> tuple[str, int, int]:
    limit, window = parse(current_app.config["RATE_LIMITS"]["pay_code_failures"]["subject"])
    who = g.get("subject") or "service"
    return keys.pay_code_failures(merchant_id, who), limit, window


def _refuse_when_throttled(merchant_id: int) -> None:
    key, limit, _window = _failure_key(merchant_id)
    if int(rds.get(key) or 0) >= limit:
        raise RateLimited(rds.ttl(key), "Too many invalid pay codes; retry later.")


def _count_failure(merchant_id: int) -> None:
    key, _limit, window = _failure_key(merchant_id)
    pipe = rds.pipeline()
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    pipe.execute()
