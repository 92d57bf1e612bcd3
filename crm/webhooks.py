"""Webhooks: owners' endpoints for domain events, delivered through the outbox.

Each delivery POSTs {event, merchant_id, occurred_at, data} signed with the endpoint's
secret: X-Jifen-Signature = hex HMAC-SHA256(secret, timestamp + "\\n" + body). Failures are
retried by the outbox with exponential backoff; after DISABLE_AFTER failed attempts in a row
the endpoint is disabled. Every attempt is logged with its status code.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import select

from core import audit, events
from core.clock import now
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from crm.models import Webhook, WebhookDelivery
from loyalty import notifications
from loyalty.models import OutboxMessage

# The events core.events announces; each has a handler below.
EVENTS = ["points.changed", "order.paid", "tier.changed", "member.joined", "wallet.changed"]
KIND = "webhook"
DISABLE_AFTER = 10
TIMEOUT = (3.0, 10.0)
ACTIVE = "jifen.webhooks.active"  # per app: merchant → (good until, [(id, events)])
ACTIVE_SECONDS = 2.0
clock = time.monotonic  # what ACTIVE_SECONDS is measured on


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over timestamp + "\\n" + body."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def check_url(url: str, allow_private: bool) -> str | None:
    """Why a URL may not receive webhooks (None when it may)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Only http(s) URLs with a host."
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return "The host does not resolve."
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            return "Loopback, private and reserved addresses are not allowed."
    return None


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def create(merchant_id: int, url: str, wanted: list[str]) -> dict:
    """Register an endpoint; the answer is the only time the secret is shown."""
    problem = check_url(url, _allow_private())
    if problem:
        raise ValidationFailed(details={"url": [problem]})
    hook = Webhook(merchant_id=merchant_id, url=url, events=sorted(set(wanted)),
                   secret=secrets.token_hex(32), status="active", failures=0)
    db.session.add(hook)
    db.session.flush()
    audit.record(merchant_id=merchant_id, action="webhook.create", target_type="webhook",
                 target_id=hook.id, after={"url": url, "events": hook.events})
    db.session.commit()
    _forget(merchant_id)
    return {**view(hook), "secret": hook.secret}


def view(hook: Webhook) -> dict:
    """The public view of an endpoint (never the secret)."""
    return {"id": hook.id, "url": hook.url, "events": hook.events, "status": hook.status,
            "failures": hook.failures, "created_at": hook.created_at}


def listing(merchant_id: int) -> dict:
    """The merchant's endpoints that were not deleted."""
    hooks = db.session.scalars(select(Webhook).where(
        Webhook.merchant_id == merchant_id, Webhook.status != "deleted").order_by(Webhook.id))
    return {"items": [view(hook) for hook in hooks]}


def get(merchant_id: int, webhook_id: int) -> Webhook:
    """One endpoint of this merchant, or NOT_FOUND."""
    hook = db.session.get(Webhook, webhook_id)
    if hook is None or hook.merchant_id != merchant_id or hook.status == "deleted":
        raise NotFound("Unknown webhook.")
    return hook


def delete(merchant_id: int, webhook_id: int) -> None:
    """Stop deliveries to an endpoint (its log is kept)."""
    hook = get(merchant_id, webhook_id)
    hook.status = "deleted"
    audit.record(merchant_id=merchant_id, action="webhook.delete", target_type="webhook",
                 target_id=hook.id, before={"url": hook.url})
    db.session.commit()
    _forget(merchant_id)


def deliveries(merchant_id: int, webhook_id: int):
    """A select of an endpoint's delivery attempts (newest first when paginated)."""
    get(merchant_id, webhook_id)
    return select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)


def emit(merchant_id: int, event: str, data: dict) -> None:
    """Queue the event for each active endpoint that wants it (in the caller's transaction)."""
    hooks = _active(merchant_id)
    occurred_at = now()
    body = {"event": event, "merchant_id": merchant_id,
            "occurred_at": occurred_at.isoformat(), "data": data}
    for hook_id, wanted in hooks:
        if event in wanted:
            db.session.add(OutboxMessage(
                merchant_id=merchant_id, member_id=None, kind=KIND,
                dedupe_key=f"wh:{hook_id}:{uuid.uuid4().hex}",
                payload={"webhook_id": hook_id, "event": event, "body": body},
                next_attempt_at=occurred_at))


def _active(merchant_id: int) -> list:
    """The merchant's active endpoints with their events, from this process's copy of at
    most ACTIVE_SECONDS ago (a points-moving request would otherwise spend a query on it).
    A new endpoint hears this process's events at once, other processes' within
    ACTIVE_SECONDS; one deleted or disabled meanwhile only costs a delivery that `deliver`
    skips."""
    known = current_app.extensions.setdefault(ACTIVE, {})
    copy = known.get(merchant_id)
    if copy is None or clock() >= copy[0]:
        copy = known[merchant_id] = (clock() + ACTIVE_SECONDS, [
            (hook_id, events_) for hook_id, events_ in db.session.execute(
                select(Webhook.id, Webhook.events).where(
                    Webhook.merchant_id == merchant_id, Webhook.status == "active"))])
    return copy[1]


def _forget(merchant_id: int) -> None:
    current_app.extensions.setdefault(ACTIVE, {}).pop(merchant_id, None)


def deliver(message: OutboxMessage) -> tuple[str, str | None]:
    """One attempt: POST the signed event, log it, count failures, disable when they pile up."""
    hook = db.session.get(Webhook, message.payload["webhook_id"], with_for_update=True)
    if hook is None or hook.status != "active":
        return "skipped", "webhook not active"
    code, error, took = _post(hook, message.payload)
    db.session.add(WebhookDelivery(
        merchant_id=hook.merchant_id, webhook_id=hook.id, outbox_id=message.id,
        event=message.payload["event"], attempt=message.attempts + 1, status_code=code,
        ok=error is None, error=error, duration_ms=took, created_at=now()))
    if error is None:
        hook.failures = 0
        return "sent", None
    hook.failures += 1
    if hook.failures >= current_app.config.get("WEBHOOK_DISABLE_AFTER", DISABLE_AFTER):
        hook.status = "disabled"
        _forget(hook.merchant_id)
        return "failed", error
    return "retry", error


def _post(hook: Webhook, payload: dict) -> tuple[int | None, str | None, int]:
    problem = check_url(hook.url, _allow_private())
    if problem:
        return None, problem, 0
    body = json.dumps(payload["body"], ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now().timestamp()))
    headers = {"Content-Type": "application/json", "X-Jifen-Event": payload["event"],
               "X-Jifen-Timestamp": timestamp, "X-Jifen-Signature": sign(hook.secret,
                                                                         timestamp, body)}
    started = time.monotonic()
    try:
        response = requests.post(hook.url, data=body, headers=headers, timeout=TIMEOUT,
                                 allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], _ms(started)
    if 200 <= response.status_code < 300:
        return response.status_code, None, _ms(started)
    return response.status_code, f"HTTP {response.status_code}", _ms(started)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _on_points(entry, **_):
    emit(entry.merchant_id, "points.changed", {
        "member_id": entry.member_id, "entry_id": entry.id, "type": entry.type,
        "reason_code": entry.reason_code, "amount": entry.amount,
        "balance_after": entry.balance_after})


def _on_order(member, order_no, amount_fen, source, **_):
    emit(member.merchant_id, "order.paid", {"member_id": member.id, "order_no": order_no,
                                            "amount_fen": amount_fen, "source": source})


def _on_tier(member, after, **_):
    emit(member.merchant_id, "tier.changed", {"member_id": member.id,
                                              "from": member.tier_code, "to": after})


def _on_joined(member, **_):
    emit(member.merchant_id, "member.joined", {"member_id": member.id,
                                               "card_no": member.card_no})



def _on_wallet(entry, **_):
    emit(entry.merchant_id, "wallet.changed", {
        "member_id": entry.member_id, "entry_id": entry.id, "type": entry.type,
        "reason_code": entry.reason_code, "principal_fen": entry.principal_fen,
        "gift_fen": entry.gift_fen, "principal_after_fen": entry.principal_after,
        "gift_after_fen": entry.gift_after})


events.subscribe(events.POINTS_CHANGED, _on_points)
events.subscribe(events.ORDER_PAID, _on_order)
events.subscribe(events.TIER_CHANGED, _on_tier)
events.subscribe(events.MEMBER_JOINED, _on_joined)
events.subscribe(events.WALLET_CHANGED, _on_wallet)
notifications.DELIVERERS[KIND] = deliver
