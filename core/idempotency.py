"""Idempotency-Key handling for POSTs that change points, stock or orders.

The first response is stored per (merchant, subject, key); a replay with the same body
gets it back, a different body gets 409 IDEMPOTENCY_CONFLICT. A Redis lock stops two
copies of the same request from running at once. Domain writes carry their own unique
keys too (ledger entries, orders), so a crash between the write and storing the response
still cannot apply a request twice.
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
from core.errors import Conflict, IdempotencyConflict, ValidationFailed
from core.extensions import db, rds
from core.models import IdempotencyRecord

log = logging.getLogger("jifen.idempotency")
HEADER = "Idempotency-Key"


def idempotent(view):
    """Replay the first response for a repeated Idempotency-Key (set g.merchant_id first)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 64:
            raise ValidationFailed(details={HEADER: ["Must be 1 to 64 characters."]})
        digest = hashlib.sha256(request.path.encode() + b"\n" + request.get_data()).hexdigest()
        stored = _stored(key)
        if stored is not None:
            return _replay(stored, digest)
        lock = keys.idempotency_lock(g.merchant_id, g.subject, key)
        if not rds.set(lock, "1", nx=True, ex=60):
            raise Conflict("A request with this Idempotency-Key is still in progress.")
        try:
            response = make_response(view(*args, **kwargs))
            if response.status_code < 500:
                _store(key, digest, response)
            return response
        finally:
            _unlock(lock)

    return document_errors(wrapper, 409)  # IDEMPOTENCY_CONFLICT, or still in progress


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


def _store(key: str, digest: str, response: Response) -> None:
    db.session.rollback()
    db.session.add(IdempotencyRecord(
        merchant_id=g.merchant_id, scope=g.subject, key=key, request_hash=digest,
        status_code=response.status_code,
        body=json.dumps(response.get_json(silent=True), ensure_ascii=False)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
