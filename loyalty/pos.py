"""Store systems (POS) sign their requests with HMAC-SHA256 over a canonical string:
timestamp, nonce, method, path and sha256(body), one per line."""

import hashlib
import hmac
import re
import time
from functools import wraps

from flask import current_app, g, request

from core import keys, merchants
from core.api import document_errors
from core.errors import Unauthorized
from core.extensions import rds

SECURITY = [{"posKey": [], "posTimestamp": [], "posNonce": [], "posSignature": []}]
SCHEMES = {name: {"type": "apiKey", "in": "header", "name": header} for name, header in (
    ("posKey", "X-Jifen-Key"), ("posTimestamp", "X-Jifen-Timestamp"),
    ("posNonce", "X-Jifen-Nonce"), ("posSignature", "X-Jifen-Signature"))}


def canonical(timestamp: str, nonce: str, method: str, path: str, body: bytes) -> bytes:
    """The string a POS signs."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((timestamp, nonce, method.upper(), path, digest)).encode()


def sign(secret: str, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the canonical string (what POS clients compute)."""
    return hmac.new(secret.encode(), canonical(timestamp, nonce, method, path, body),
                    hashlib.sha256).hexdigest()


def pos_signed(view):
    """Accept only correctly signed, fresh, never-seen requests; sets g.merchant."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        merchant = _verify()
        g.merchant, g.merchant_id, g.subject = merchant, merchant.id, f"pos:{merchant.pos_key_id}"
        return view(*args, **kwargs)

    apidoc = getattr(wrapper, "_apidoc", {})
    apidoc.setdefault("manual_doc", {})["security"] = SECURITY
    wrapper._apidoc = apidoc
    return document_errors(wrapper, 401, 503)  # 503: nonces are kept in Redis


def _verify():
    headers = request.headers
    key_id, timestamp = headers.get("X-Jifen-Key", ""), headers.get("X-Jifen-Timestamp", "")
    nonce, signature = headers.get("X-Jifen-Nonce", ""), headers.get("X-Jifen-Signature", "")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses
    if not (key_id and re.fullmatch(r"[0-9]{1,12}", timestamp) and 8 <= len(nonce) <= 64
            and signature):
        raise Unauthorized("Missing or malformed signature headers.")
    merchant = merchants.by_pos_key(key_id)
    if merchant is None:
        raise Unauthorized("Unknown key.")
    # Freshness is about real time, not the business clock tests may pin.
    if abs(time.time() - int(timestamp)) > current_app.config["POS_CLOCK_SKEW"]:
        raise Unauthorized("Timestamp outside the allowed window.")
    expected = sign(merchant.pos_secret, timestamp, nonce, request.method, request.path,
                    request.get_data())
    if not hmac.compare_digest(expected, signature.lower()):
        raise Unauthorized("Bad signature.")
    window = 2 * current_app.config["POS_CLOCK_SKEW"]
    if not rds.set(keys.pos_nonce(merchant.id, nonce), "1", nx=True, ex=window):
        raise Unauthorized("Nonce already used.")
    return merchant
