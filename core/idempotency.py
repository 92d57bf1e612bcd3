"""Idempotency-Key handling for POSTs that change points, stock or orders.

One key (per merchant and subject) runs its request once; every later copy gets the first
answer back, a copy with a different body gets 409 IDEMPOTENCY_CONFLICT. How:

1. A Redis lock lets one copy run at a time; the others answer 409 CONFLICT "in progress".
   The stored answer is looked up again *after* the lock is taken, so a copy that waited
   for the lock replays instead of running a second time.
2. The answer is stored in the *same* database transaction as the effect. Services commit
   once; while the view runs that commit is held (`core.session.commit_held`: it only
   flushes), then the decorator adds the IdempotencyRecord with the rendered answer and
   commits effect and record together. A crash before that commit leaves neither (a retry
   runs afresh); after it, both (a retry replays). The unique (merchant, scope, key) row is
   the guarantee when the Redis lock has lapsed: the second commit fails and is rolled back.
3. Domain refusals (4xx, e.g. OUT_OF_STOCK) are answers too and are kept and replayed.
   Not kept: request validation by the schema (nothing started), 429 and 5xx (nothing was
   changed; the client should retry the same key).

Redis steps a service takes after its (held) commit, such as settling a stock hold, happen
before the real commit: if that commit then fails, Redis errs on the side of less stock,
which `flask mall reconcile` repairs.
"""

import hashlib
import json
import logging
from functools import wraps

from flask import Response, g, make_response, request
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import keys
from core.api import document_errors
from core.errors import ApiError, Conflict, IdempotencyConflict, ValidationFailed, error_response
from core.extensions import db, rds
from core.models import IdempotencyRecord
from core.session import commit_held

log = logging.getLogger("jifen.idempotency")
HEADER = "Idempotency-Key"
LOCK_SECONDS = 60


def idempotent(view):
    """Run a request once per Idempotency-Key and replay its answer (set g.merchant_id first)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 64:
            raise ValidationFailed(details={HEADER: ["Must be 1 to 64 characters."]})
        digest = hashlib.sha256(request.path.encode() + b"\n" + request.get_data()).hexdigest()
        if (stored := _stored(key)) is not None:
            return _replay(stored, digest)
        db.session.rollback()  # hold no database lock (SQLite: the write lock) across Redis
        lock = keys.idempotency_lock(g.merchant_id, g.subject, key)
        if not rds.set(lock, "1", nx=True, ex=LOCK_SECONDS):
            raise Conflict("A request with this Idempotency-Key is still in progress.")
        try:
            if (stored := _stored(key)) is not None:  # the copy before us finished meanwhile
                return _replay(stored, digest)
            return _run_once(view, args, kwargs, key, digest)
        finally:
            _unlock(lock)

    return document_errors(wrapper, 409)  # IDEMPOTENCY_CONFLICT, or still in progress


def client_key() -> str | None:
    """The request's Idempotency-Key, for services that derive their own unique keys from it."""
    return request.headers.get(HEADER)


def _run_once(view, args, kwargs, key: str, digest: str) -> Response:
    session = db.session()
    with commit_held(session):
        response = _answer(view, args, kwargs)
    db.session.add(IdempotencyRecord(
        merchant_id=g.merchant_id, scope=g.subject, key=key, request_hash=digest,
        status_code=response.status_code,
        body=json.dumps(response.get_json(silent=True), ensure_ascii=False)))
    try:
        db.session.commit()  # the effect and its record, together
    except IntegrityError:
        db.session.rollback()
        stored = _stored(key)  # a copy whose Redis lock had lapsed committed first
        if stored is None:
            raise
        return _replay(stored, digest)
    return response


def _answer(view, args, kwargs) -> Response:
    """The view's response, or the contract's error answer for a domain refusal."""
    try:
        return make_response(view(*args, **kwargs))
    except ApiError as exc:
        db.session.rollback()
        if exc.status >= 500 or exc.status == 429:
            raise
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)
    except BaseException:
        db.session.rollback()
        raise


def _unlock(lock: str) -> None:
    """Best effort: the lock expires by itself, and Redis lost after the work was done must
    not turn its answer into a 503 that says nothing was changed."""
    try:
        rds.delete(lock)
    except RedisError as exc:
        log.warning("idempotency lock %s left to expire: %s", lock, exc)


def _stored(key: str) -> IdempotencyRecord | None:
    return db.session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.merchant_id == g.merchant_id, IdempotencyRecord.scope == g.subject,
        IdempotencyRecord.key == key)).scalar_one_or_none()


def _replay(stored: IdempotencyRecord, digest: str) -> Response:
    if stored.request_hash != digest:
        raise IdempotencyConflict()
    response = Response(stored.body, status=stored.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
