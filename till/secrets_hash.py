"""Keyed hashes for values that must be findable but not readable after a database leak."""

import hashlib
import hmac

from flask import current_app


def keyed_hash(purpose: str, value: str) -> str:
    """Hex HMAC-SHA256 of `value` under a key derived from the app secret for `purpose`."""
    secret = current_app.config.get("HASH_KEY") or current_app.config["JWT_SECRET_KEY"]
    key = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
