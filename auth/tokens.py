"""JWT issue, rotation and revocation, and the guards that views use.

Tokens carry `mid` (merchant id), `kind` (member|staff), for staff `role`, and `fam`: the
login they descend from (a refresh rotation keeps it). Revoked and rotated tokens go to a
Redis denylist keyed by jti until they would expire; logout denies the whole family (its
refresh tokens too), anonymisation every token of the subject issued until then. Every
denial is also announced to the per-process mirror (core/mirror.py), which answers the
denylist lookup without a round trip while its subscription is provably current.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from functools import wraps

from flask import current_app, g, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_jwt,
    verify_jwt_in_request,
)

from auth.members import directory
from auth.models import ROLES, Staff
from core import keys
from core.api import document_errors
from core.errors import Forbidden, NotFound, Unauthorized, error_response
from core.extensions import db, jwt, mirror, rds

BEARER = [{"bearerAuth": []}]


def issue_pair(kind: str, subject_id: int, merchant_id: int, role: str | None = None,
               family: str | None = None) -> dict:
    """A fresh access token and refresh token for one subject (a new login's family)."""
    claims = {"mid": merchant_id, "kind": kind, "role": role, "fam": family or uuid.uuid4().hex}
    identity = str(subject_id)
    return {"access_token": create_access_token(identity, additional_claims=claims),
            "refresh_token": create_refresh_token(identity, additional_claims=claims)}


def revoke(claims: dict) -> bool:
    """Deny a token until it expires; False when it was already revoked."""
    ttl = max(int(claims["exp"] - datetime.now(UTC).timestamp()) + 1, 1)
    return _deny(keys.token_denied(claims["mid"], claims["jti"]), "1", ttl, nx=True)


def _deny(key: str, value, ttl: int, nx: bool = False) -> bool:
    """Set a denylist key and announce it to every process's mirror; False when `nx` and the
    key was already set. Announced either way: a retry of a revocation whose announcement
    failed (a 503) announces it."""
    done = rds.set(key, value, ex=ttl, nx=nx)
    mirror.announce(key, value, int(time.time()) + ttl)
    return bool(done)


def rotate_refresh() -> dict:
    """Exchange the presented refresh token for a new pair, exactly once."""
    claims = get_jwt()
    if not revoke(claims):
        raise Unauthorized("This refresh token was already used.")
    return issue_pair(claims["kind"], int(claims["sub"]), claims["mid"], claims.get("role"),
                      family=claims.get("fam"))


def revoke_family(claims: dict) -> None:
    """Log out: deny the presented token and every token of its login, refresh included."""
    revoke(claims)
    if claims.get("fam"):
        _deny(keys.token_family_denied(claims["mid"], claims["fam"]), "1", _refresh_ttl())


def revoke_subject(kind: str, subject_id: int, merchant_id: int) -> None:
    """Deny every token of a subject issued until now (anonymisation)."""
    _deny(keys.token_subject_denied(merchant_id, kind, subject_id),
          int(datetime.now(UTC).timestamp()), _refresh_ttl())


def _refresh_ttl() -> int:
    return int(current_app.config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds()) + 1


def denylist_keys(payload: dict) -> list[str]:
    """The Redis keys that deny a token: its jti, its login (family) and its subject."""
    mid = payload.get("mid", 0)
    return [keys.token_denied(mid, payload["jti"]),
            keys.token_family_denied(mid, payload.get("fam") or payload["jti"]),
            keys.token_subject_denied(mid, payload.get("kind"), payload.get("sub"))]


def denied_by(payload: dict, values: list) -> bool:
    """Whether the values read at `denylist_keys(payload)` deny the token."""
    denied, family, since = values
    return bool(denied or family) or (since is not None and payload["iat"] <= int(since))


def is_revoked(payload: dict) -> bool:
    """Denied by jti, by its login (family) or by its subject: from this process's mirror
    while it is current, else one Redis round trip."""
    watched = denylist_keys(payload)
    values = mirror.lookup(watched)
    return denied_by(payload, rds.mget(watched) if values is None else values)


HEADER_HS256 = {"alg": "HS256", "typ": "JWT"}  # what create_access_token writes


def access_claims(authorization: str, secret: str) -> dict | None:
    """The claims of a well-formed, valid, unexpired access token in `Authorization: Bearer
    <jwt>`, verified in one pass; None for anything else, which the caller hands to
    Flask-JWT-Extended for its exact 401. It accepts a subset of what PyJWT accepts (our own
    header only, the signature in its canonical encoding, integer times), so it never lets in
    a token the library would refuse. Not checked here: revocation."""
    scheme, _, token = authorization.partition(" ")
    parts = token.split(".")
    if scheme != "Bearer" or len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    digest = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"="),
                               parts[2].encode("ascii", "replace")):
        return None
    try:  # signed by us, so canonically encoded JSON
        header, claims = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
                          for part in parts[:2])
    except (binascii.Error, ValueError):
        return None
    now = time.time()
    if (header != HEADER_HS256 or not isinstance(claims, dict)
            or claims.get("type") != "access" or not isinstance(claims.get("sub"), str)
            or not isinstance(claims.get("jti"), str)
            or not all(type(claims.get(name)) is int for name in ("exp", "iat", "nbf"))
            or not max(claims["iat"], claims["nbf"]) <= now < claims["exp"]):
        return None
    return claims


def _document(wrapper, subject: str, roles=()):
    """Publish who may call the operation: bearer auth, plus x-subject and x-roles."""
    apidoc = getattr(wrapper, "_apidoc", {})
    apidoc.setdefault("manual_doc", {}).update(
        {"security": BEARER, "x-subject": subject, **({"x-roles": list(roles)} if roles else {})})
    wrapper._apidoc = apidoc
    return document_errors(wrapper, 401, 403, 503)  # 503: the token denylist is in Redis


def member_token_required(view):
    """Allow only a member's token, without loading the member: sets g.member_id,
    g.merchant_id and g.subject. For paths that must be able to answer from Redis alone;
    the view calls `current_member()` before it reads or changes anything of the member."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        claims = _verified_claims()
        if claims.get("kind") != "member":
            raise Forbidden("Members only.")
        g.member_id, g.merchant_id = int(claims["sub"]), claims["mid"]
        g.subject = subject("member", g.member_id)
        return view(*args, **kwargs)

    return _document(wrapper, "member")


def member_required(view):
    """Allow only a logged-in member; sets g.member too."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.member = current_member()
        return view(*args, **kwargs)

    return member_token_required(wrapper)


def subject(kind: str, subject_id: int) -> str:
    """Who a request acts as, for rate limits and Idempotency-Key scopes."""
    return f"{kind}:{subject_id}"


def current_member():
    """The member of the token (loyalty's Member), if it still exists in the token's merchant."""
    try:
        member = directory().get(g.merchant_id, g.member_id)
    except NotFound:
        member = None
    if member is None or member.anonymized_at:
        raise Unauthorized("Unknown member.")
    return member


def staff_required(*roles: str):
    """Allow only staff of the given roles (any role when none given); sets g.staff."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            claims = _verified_claims()
            if claims.get("kind") != "staff":
                raise Forbidden("Staff only.")
            staff = db.session.get(Staff, int(claims["sub"]))
            if staff is None or not staff.active or staff.merchant_id != claims["mid"]:
                raise Unauthorized("Unknown staff account.")
            if roles and staff.role not in roles:
                raise Forbidden(f"Requires one of the roles: {', '.join(roles)}.")
            g.staff, g.merchant_id = staff, staff.merchant_id
            g.subject = subject("staff", staff.id)
            return view(*args, **kwargs)

        return _document(wrapper, "staff", roles or ROLES)

    return decorator


def _verified_claims() -> dict:
    """The request's access token, verified once: the one-pass check and one denylist read;
    any token it does not accept goes through Flask-JWT-Extended for the exact 401."""
    claims = access_claims(request.headers.get("Authorization", ""),
                           current_app.config["JWT_SECRET_KEY"])
    if claims is None:
        verify_jwt_in_request()
        return get_jwt()
    if is_revoked(claims):
        raise Unauthorized("Token has been revoked.")
    return claims


def register_jwt_callbacks():
    """Contract-format 401s for every token problem, and the denylist lookup."""

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload):
        return is_revoked(payload)

    def unauthorized(message):
        return error_response(401, "UNAUTHORIZED", message)

    jwt.unauthorized_loader(lambda reason: unauthorized(f"Missing token: {reason}"))
    jwt.invalid_token_loader(lambda reason: unauthorized(f"Invalid token: {reason}"))
    jwt.expired_token_loader(lambda _h, _p: unauthorized("Token has expired."))
    jwt.revoked_token_loader(lambda _h, _p: unauthorized("Token has been revoked."))
    jwt.needs_fresh_token_loader(lambda _h, _p: unauthorized("Fresh token required."))
    jwt.user_lookup_error_loader(lambda _h, _p: unauthorized("Unknown subject."))
