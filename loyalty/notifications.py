"""Delivery of queued notices as WeChat subscribe messages, with retries and backoff.

One-time subscriptions allow one message per grant the member gave in the mini-program;
each delivery spends one. 43101 (no subscription left) is permanent; other failures retry
with exponential backoff up to MAX_ATTEMPTS.
"""

from datetime import timedelta

from sqlalchemy import select

from core import wechat
from core.clock import now
from core.extensions import db
from core.models import Merchant
from loyalty.models import Member, OutboxMessage, Subscription

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 30
NO_SUBSCRIPTION = 43101
# Other packages deliver their own kinds: kind → fn(message) -> (status, error), status one
# of "sent", "skipped", "failed" or "retry" (retried here with the same backoff).
DELIVERERS: dict = {}


def grant(member: Member, template_id: str) -> Subscription:
    """Record one more one-time subscription grant for a template."""
    subscription = db.session.execute(select(Subscription).where(
        Subscription.member_id == member.id, Subscription.template_id == template_id)
        .with_for_update()).scalar_one_or_none()
    if subscription is None:
        subscription = Subscription(merchant_id=member.merchant_id, member_id=member.id,
                                    template_id=template_id, grants=0)
        db.session.add(subscription)
    subscription.grants += 1
    db.session.commit()
    return subscription


def send_due(limit: int = 500) -> dict:
    """Deliver due messages; returns counts by outcome."""
    outcomes: dict[str, int] = {}
    due = db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                       OutboxMessage.next_attempt_at <= now())
        .order_by(OutboxMessage.id).limit(limit)).scalars().all()
    for message_id in due:
        outcome = _deliver(message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _deliver(message_id: int) -> str:
    message = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.id == message_id,
                                    OutboxMessage.status == "pending")
        .with_for_update(skip_locked=True)).scalar_one_or_none()
    if message is None:
        return "taken"
    outcome = _attempt(message)
    db.session.commit()
    return outcome


def _attempt(message: OutboxMessage) -> str:
    if message.kind in DELIVERERS:
        status, error = DELIVERERS[message.kind](message)
        return _retry(message, error) if status == "retry" else _finish(message, status, error)
    member = db.session.get(Member, message.member_id)
    template = message.payload["template_id"]
    subscription = db.session.execute(select(Subscription).where(
        Subscription.member_id == member.id, Subscription.template_id == template)
        .with_for_update()).scalar_one_or_none()
    if not member.openid or subscription is None or subscription.grants < 1:
        return _finish(message, "skipped", "no subscription grant")
    try:
        wechat.send_subscribe_message(db.session.get(Merchant, message.merchant_id),
                                      _render(member, message))
    except wechat.WeChatError as exc:
        if exc.errcode == NO_SUBSCRIPTION:
            subscription.grants = 0
            return _finish(message, "failed", str(exc))
        return _retry(message, str(exc))
    except wechat.WeChatUnavailable as exc:
        return _retry(message, str(exc))
    subscription.grants -= 1
    return _finish(message, "sent", None)


def _render(member: Member, message: OutboxMessage) -> dict:
    payload = message.payload
    return {"touser": member.openid, "template_id": payload["template_id"],
            "page": "pages/points/index", "miniprogram_state": "formal", "lang": "zh_CN",
            "data": {"thing1": {"value": payload.get("headline", "积分即将过期")},
                     "number2": {"value": str(payload["points"])},
                     "date3": {"value": payload["expires_at"][:10]}}}


def _finish(message: OutboxMessage, status: str, error: str | None) -> str:
    message.status, message.last_error = status, error
    message.attempts += 1
    return status


def _retry(message: OutboxMessage, error: str) -> str:
    message.attempts += 1
    message.last_error = error[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        return "failed"
    message.next_attempt_at = now() + timedelta(seconds=BACKOFF_SECONDS * 2 ** message.attempts)
    return "retrying"
