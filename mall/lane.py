"""The order lane: POST /api/v1/mall/orders answered in front of Flask when that costs one
Redis round trip or none. Two kinds of order are answered here:

- Refused: this process remembers that Redis refused the same item and quantity (sold out,
  or not on sale). The denylist and the item version come from this process's mirror
  (core/mirror.py) while it is current and has been since before the refusal was asked for;
  otherwise, and for the key's marker, from one Redis round trip (on the merchant's cluster
  slot). So a request without a key costs no round trip. A revoked token, an
  Idempotency-Key already seen (Flask replays its answer), or an item version that moved
  since the refusal (restocked or changed by any process) go on to Flask.
- Queued: a flash item (秒杀排队). One script call checks the token's denylist and the
  Idempotency-Key's marker, queues the order (mall/flash.py) and keeps the 202 answer in
  the marker, atomically: the order and its idempotency record are one Redis step, and a
  copy of the request is replayed from the marker. A revoked token, a marker without a kept
  answer, a regular item, a refusal or Redis failing go on to Flask, which decides again
  (the script changed nothing then). An item found regular is not tried again for
  REGULAR_SECONDS: only a hint, as Flask queues a flash item too.

Whatever is not plainly such a request goes on to Flask unchanged: a token the one-pass
check does not accept (Flask gives its exact 401/403), a body the order schema or
core.inputs would refuse. The answer, its log line and its metrics are the ones Flask would
give.
"""

import functools
import io
import json
import time

import marshmallow as ma
from flask import Response, current_app
from redis.exceptions import RedisError

from auth import tokens
from core import keys
from core.errors import ApiError, IdempotencyConflict, error_response
from core.extensions import mirror
from core.idempotency import HEADER, kept_answer, replay_kept, request_digest
from core.inputs import MAX_HEADER_BYTES, problems
from core.observability import observe, request_id
from mall import flash, stock
from mall.schemas import FlashTicketSchema, OrderInSchema

PATH = "/api/v1/mall/orders"  # also the endpoint label of place_order's metrics
MAX_BODY = 2048  # an order is a few dozen bytes; anything larger is Flask's to judge
ORDER, TICKET = OrderInSchema(), FlashTicketSchema()
REGULAR = "jifen.mall.regular"  # per app: (merchant, item) → until when it is not tried
REGULAR_SECONDS = 10.0
WSGI_HEADER = "HTTP_" + HEADER.upper().replace("-", "_")


class OrderLane:
    """WSGI middleware in front of the Flask app (`app.wsgi_app`)."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        body = _small_json_body(environ)
        if body is not None:
            environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if we pass
            with self.app.app_context():
                response = self._response(environ, body)
                if response is not None:
                    return self._answer(environ, start_response, response, started)
        return self.wsgi_app(environ, start_response)

    def _response(self, environ, body: bytes) -> Response | None:
        """The answer Flask would give this request, or None to let Flask decide."""
        claims = tokens.access_claims(environ.get("HTTP_AUTHORIZATION", ""),
                                      self.app.config["JWT_SECRET_KEY"])
        key = environ.get(WSGI_HEADER)
        order = _order(body)
        if (claims is None or claims.get("kind") != "member" or order is None
                or (key is not None and not 1 <= len(key) <= 64)
                or not claims["sub"].isdigit()):
            return None
        remembered = stock.remembered_refusal(claims["mid"], order["item_id"], order["quantity"])
        if remembered is None:
            return _queued(claims, order, key, body)
        if not self._still_refused(claims, order["item_id"], key, remembered):
            return None
        status, refused = _refusal(remembered.code)
        return Response(refused, status, mimetype="application/json")

    def _still_refused(self, claims: dict, item_id: int, key: str | None,
                       remembered: stock.Refusal) -> bool:
        """Whether the token is not revoked, the key (if any) unseen and the item's version
        the refusal's: from the mirror where it can answer, the rest from one round trip."""
        merchant_id = claims["mid"]
        watched = [*tokens.denylist_keys(claims), stock.mirrored_version(merchant_id, item_id)]
        markers = [] if key is None else [
            keys.idempotency_lock(merchant_id, tokens.subject("member", int(claims["sub"])), key)]
        mirrored = (None if remembered.generation is None
                    else mirror.lookup(watched, remembered.generation))
        client = self.app.extensions["jifen.redis"]
        try:
            if mirrored is None:  # GETs, not MGET: a cluster pipeline refuses MGET
                pipe = client.pipeline(transaction=False)
                for key_name in watched[:-1]:
                    pipe.get(key_name)
                pipe.hget(*stock.version_key(merchant_id, item_id))
                for key_name in markers:
                    pipe.get(key_name)
                fetched = pipe.execute()
                mirrored, fetched = fetched[:len(watched)], fetched[len(watched):]
            else:  # at most the key's marker: one GET, no pipeline to build
                fetched = [client.get(name) for name in markers]
                if mirrored[-1] is None:  # no new version published since the refusal
                    mirrored[-1] = remembered.version
        except RedisError:
            return False  # Flask answers what Redis being down means
        *denials, current = mirrored
        return not (tokens.denied_by(claims, denials) or any(fetched) or current is None
                    or int(current) != remembered.version)

    def _answer(self, environ, start_response, response: Response, started: float):
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        response.headers["X-Request-ID"] = rid
        observe(method="POST", endpoint=PATH, path=PATH, status=response.status_code,
                elapsed=time.perf_counter() - started, request_id=rid,
                ip=environ.get("REMOTE_ADDR"))
        return response(environ, start_response)


def _queued(claims: dict, order: dict, key: str | None, body: bytes) -> Response | None:
    """A flash item's order queued (202), or its replay; None for Flask to decide."""
    merchant_id, member_id = claims["mid"], int(claims["sub"])
    regular = current_app.extensions.setdefault(REGULAR, {})
    if regular.get((merchant_id, order["item_id"]), 0.0) > time.monotonic():
        return None
    digest = request_digest(PATH, body)
    marker = key and keys.idempotency_lock(merchant_id, tokens.subject("member", member_id), key)
    try:
        answer, ticket = flash.enqueue_guarded(
            merchant_id, member_id, denylist=tokens.denylist_keys(claims),
            issued_at=claims["iat"], marker=marker, request_key=key,
            keep=lambda queued: kept_answer(digest, 202, json.dumps(TICKET.dump(queued))),
            **order)
    except (ApiError, RedisError):  # refused, or Redis failing: Flask answers what it means
        return None
    if answer[0] == "QUEUED":
        return Response(json.dumps(TICKET.dump(ticket)), 202, mimetype="application/json")
    if answer[0] == "SEEN":
        try:
            return replay_kept(answer[1], digest)
        except IdempotencyConflict as exc:
            return error_response(exc.status, exc.code, exc.message)
    if answer[0] == "REGULAR":
        regular[(merchant_id, order["item_id"])] = time.monotonic() + REGULAR_SECONDS
    return None


@functools.cache
def _refusal(code: str) -> tuple[int, bytes]:
    """The status and body Flask answers a refusal with: the same for every request."""
    refusal = stock.REFUSALS[code]()
    return refusal.status, error_response(refusal.status, refusal.code,
                                          refusal.message).get_data()


def _small_json_body(environ) -> bytes | None:
    """The body of a small JSON request with plain headers, else None (Flask's to judge)."""
    mimetype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if (mimetype != "application/json" or not 0 < length <= MAX_BODY
            or environ.get("QUERY_STRING")
            or any(len(name) + len(value) > MAX_HEADER_BYTES
                   for name, value in environ.items() if name.startswith("HTTP_"))):
        return None
    return environ["wsgi.input"].read(length)


def _order(body: bytes) -> dict | None:
    """The order as the view would load it, or None when Flask would refuse it (422/400)."""
    try:
        data = json.loads(body)
        if problems(data):
            return None
        return ORDER.load(data)
    except (ValueError, RecursionError, ma.ValidationError):
        return None
