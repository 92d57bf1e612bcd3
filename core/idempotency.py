"""Idempotency-Key handling for POSTs that change points, stock or orders.

One key (per merchant and subject) runs its request once; every later copy gets the first
answer back, a copy with a different body gets 409 IDEMPOTENCY_CONFLICT. How:

1. A Redis marker per key (SET NX) lets one copy run at a time. A key new to Redis has no
   stored answer, so it runs without a database lookup; a copy that finds the marker looks
   the answer up and replays it, or answers 409 CONFLICT "in progress". After the commit the
   marker says "answered" for ANSWERED_SECONDS, so cheap refusals that run before this
   decorator (the sold-out lane, mall/lane.py) let a copy of an answered request through.
2. The answer is stored in the *same* database transaction as the effect. Services commit
   once; while the view runs that commit is held (`core.session.commit_held`: it only
   flushes), then the decorator adds the IdempotencyRecord with the rendered answer and
   commits effect and record together. A crash before that commit leaves neither (a retry
   runs afresh); after it, both (a retry replays). The unique (merchant, scope, key) row is
   the guarantee when the Redis lock has lapsed: the second commit fails and is rolled back.
3. Domain refusals (4xx, e.g. OUT_OF_STOCK) are answers too and are kept and replayed.
   A refusal raised with `kept=False` (Redis refused before any work: a sold-out item) is
   kept by the marker itself, in Redis, so that it costs no database write and its replay
   no database read. Not kept: request validation by the schema (nothing started), 429 and
   5xx (nothing was changed; the client should retry the same key): the key is forgotten.

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
RUNNING, ANSWERED = "running", "answered"
# How long Redis remembers that a key was answered. Within it, a copy of the request skips
# every cheap refusal (the sold-out lane) and replays; after it, a copy runs again and the
# unique record (or the domain's own keys) turns that into a replay, unless a cheap refusal
# answers first (e.g. the item sold out since).
ANSWERED_SECONDS = 7 * 86_400


def idempotent(view):
    """Run a request once per Idempotency-Key and replay its answer (set g.merchant_id first)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 64:
            raise ValidationFailed(details={HEADER: ["Must be 1 to 64 characters."]})
        digest = request_digest(request.path, request.get_data())
        if db.session.get_bind().dialect.name == "sqlite":
            # its transactions begin IMMEDIATE: hold no write lock across Redis (PostgreSQL's
            # reads lock nothing, and keeping the session keeps what the guards loaded)
            db.session.rollback()
        marker = keys.idempotency_lock(g.merchant_id, g.subject, key)
        if not rds.set(marker, RUNNING, nx=True, ex=LOCK_SECONDS):
            return _replay_seen(marker, key, digest)
        kept = None
        try:  # a key new to Redis has no stored answer to look up
            response, kept = _run_once(view, args, kwargs, key, digest)
            return response
        finally:
            _leave(marker, kept)

    return document_errors(wrapper, 409)  # IDEMPOTENCY_CONFLICT, or still in progress


def request_digest(path: str, body: bytes) -> str:
    """What a copy of the request must match to be replayed rather than refused."""
    return hashlib.sha256(path.encode() + b"\n" + body).hexdigest()


def kept_answer(digest: str, status: int, body: str) -> str:
    """What a marker keeps when Redis holds the answer itself (see `replay_kept`)."""
    return json.dumps({"hash": digest, "status": status, "body": body}, ensure_ascii=False)


def replay_kept(kept: str, digest: str) -> Response | None:
    """The replay of the answer a marker keeps (IdempotencyConflict for another body), or
    None when the marker keeps no answer (running, or answered in the database)."""
    if not kept.startswith("{"):
        return None
    answer = json.loads(kept)
    return _replay(answer["hash"], answer["status"], answer["body"], digest)


def client_key() -> str | None:
    """The request's Idempotency-Key, for services that derive their own unique keys from it."""
    return request.headers.get(HEADER)


def _run_once(view, args, kwargs, key: str, digest: str) -> tuple[Response, str]:
    """The view's answer, and what the marker keeps: ANSWERED (the record is in the
    database) or, for a refusal Redis gave before any work, the answer itself."""
    session = db.session()
    with commit_held(session):
        response, in_database = _answer(view, args, kwargs)
    if not in_database:
        return response, kept_answer(digest, response.status_code, _body(response))
    db.session.add(IdempotencyRecord(
        merchant_id=g.merchant_id, scope=g.subject, key=key, request_hash=digest,
        status_code=response.status_code, body=_body(response)))
    try:
        db.session.commit()  # the effect and its record, together
    except IntegrityError:
        db.session.rollback()
        stored = _stored(key)  # a copy whose marker had lapsed committed first
        if stored is None:
            raise
        return _replay(stored.request_hash, stored.status_code, stored.body, digest), ANSWERED
    return response, ANSWERED


def _body(response: Response) -> str:
    return json.dumps(response.get_json(silent=True), ensure_ascii=False)


def _answer(view, args, kwargs) -> tuple[Response, bool]:
    """The view's response, or the contract's error answer for a domain refusal; and whether
    the database keeps it (False: Redis refused before any work, `kept=False`)."""
    try:
        return make_response(view(*args, **kwargs)), True
    except ApiError as exc:
        db.session.rollback()
        if exc.status >= 500 or exc.status == 429:
            raise
        return error_response(exc.status, exc.code, exc.message, exc.details,
                              exc.headers), exc.kept
    except BaseException:
        db.session.rollback()
        raise


def _leave(marker: str, kept: str | None) -> None:
    """Leave what the marker keeps for ANSWERED_SECONDS, or forget the key when nothing was
    answered. Best effort: a marker lost early only costs a retry the unique record's
    IntegrityError, and Redis lost after the work was done must not turn its answer into a
    503 that says nothing was changed."""
    try:
        if kept is None:
            rds.delete(marker)
        else:
            rds.set(marker, kept, ex=ANSWERED_SECONDS)
    except RedisError as exc:
        log.warning("idempotency marker %s left to expire: %s", marker, exc)


def _replay_seen(marker: str, key: str, digest: str) -> Response:
    """A key Redis has seen: replay the answer its marker or the database keeps, else it is
    still running."""
    if (replayed := replay_kept(rds.get(marker) or "", digest)) is not None:
        return replayed
    if (stored := _stored(key)) is not None:  # answered (or finished meanwhile)
        return _replay(stored.request_hash, stored.status_code, stored.body, digest)
    raise Conflict("A request with this Idempotency-Key is still in progress.")


def _stored(key: str) -> IdempotencyRecord | None:
    return db.session.execute(select(IdempotencyRecord).where(
        IdempotencyRecord.merchant_id == g.merchant_id, IdempotencyRecord.scope == g.subject,
        IdempotencyRecord.key == key)).scalar_one_or_none()


def _replay(request_hash: str, status: int, body: str, digest: str) -> Response:
    if request_hash != digest:
        raise IdempotencyConflict()
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
