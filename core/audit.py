"""The audit log of staff actions: who, what, before/after, from where, when."""

from flask import g, has_request_context, request
from sqlalchemy import select

from core.extensions import db
from core.models import AuditLog


def record(*, merchant_id: int, action: str, target_type: str, target_id=None,
           before: dict | None = None, after: dict | None = None,
           actor_id: int | None = None) -> None:
    """Add an audit row to the current transaction (the caller commits)."""
    if actor_id is None and has_request_context() and g.get("staff") is not None:
        actor_id = g.staff.id
    db.session.add(AuditLog(
        merchant_id=merchant_id, actor_id=actor_id, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), before=before, after=after,
        ip=_client_ip()))


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    # The proxy-aware address (ProxyFix trusts TRUSTED_PROXIES hops), as the rate limiter
    # uses: a client-sent X-Real-IP is the client's word, not where the request came from.
    return request.remote_addr


def query(merchant_id: int, **filters):
    """A select of one merchant's audit rows, newest first when paginated; None filters skip."""
    stmt = select(AuditLog).where(AuditLog.merchant_id == merchant_id)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(AuditLog, name) == value)
    return stmt
