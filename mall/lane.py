"""The sold-out lane: POST /api/v1/mall/orders answered in front of Flask while this process
remembers that Redis refused the same item and quantity (sold out, or not on sale).

Whatever is not plainly such a request goes on to Flask unchanged: a token the one-pass
check does not accept (Flask gives its exact 401/403), a body the order schema or
core.inputs would refuse, an item with no fresh refusal in this process. One Redis round
trip (on the merchant's cluster slot) reads the token's denylist, the Idempotency-Key's
marker and the item's version: a revoked token, a key already seen (Flask replays its
answer), or a version that moved since the refusal (restocked or changed by any process)
go to Flask too. The answer, its log line and its metrics are the ones Flask would give.
"""

import io
import json
import time

import marshmallow as ma
from redis.exceptions import RedisError

from auth import tokens
from core import keys
from core.errors import error_response
from core.idempotency import HEADER
from core.inputs import MAX_HEADER_BYTES, problems
from core.observability import observe, request_id
from mall import stock
from mall.schemas import OrderInSchema

PATH = "/api/v1/mall/orders"  # also the endpoint label of place_order's metrics
MAX_BODY = 2048  # an order is a few dozen bytes; anything larger is Flask's to judge
ORDER = OrderInSchema()
WSGI_HEADER = "HTTP_" + HEADER.upper().replace("-", "_")


class SoldOutLane:
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
                refusal = self._refusal(environ, body)
                if refusal is not None:
                    return self._answer(environ, start_response, refusal, started)
        return self.wsgi_app(environ, start_response)

    def _refusal(self, environ, body: bytes):
        """The refusal Flask would answer for this request, or None to let Flask decide."""
        claims = tokens.access_claims(environ.get("HTTP_AUTHORIZATION", ""),
                                      self.app.config["JWT_SECRET_KEY"])
        key = environ.get(WSGI_HEADER)
        order = _order(body)
        if (claims is None or claims.get("kind") != "member" or order is None
                or (key is not None and not 1 <= len(key) <= 64)
                or not claims["sub"].isdigit()):
            return None
        merchant_id, member_id = claims["mid"], int(claims["sub"])
        remembered = stock.remembered_refusal(merchant_id, order["item_id"], order["quantity"])
        if remembered is None:
            return None
        code, version = remembered
        watched = tokens.denylist_keys(claims)
        if key is not None:
            watched.append(keys.idempotency_lock(
                merchant_id, tokens.subject("member", member_id), key))
        pipe = self.app.extensions["jifen.redis"].pipeline(transaction=False)
        for key_name in watched:  # GETs, not MGET: a cluster pipeline refuses MGET
            pipe.get(key_name)
        pipe.hget(*stock.version_key(merchant_id, order["item_id"]))
        try:
            *values, current = pipe.execute()
        except RedisError:
            return None  # Flask answers what Redis being down means
        if (tokens.denied_by(claims, values[:3]) or any(values[3:]) or current is None
                or int(current) != version):
            return None
        return stock.REFUSALS[code]()

    def _answer(self, environ, start_response, refusal, started: float):
        rid = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        response = error_response(refusal.status, refusal.code, refusal.message)
        response.headers["X-Request-ID"] = rid
        observe(method="POST", endpoint=PATH, path=PATH, status=response.status_code,
                elapsed=time.perf_counter() - started, request_id=rid,
                ip=environ.get("REMOTE_ADDR"))
        return response(environ, start_response)


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
