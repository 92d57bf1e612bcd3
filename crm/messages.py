"""Subscribe messages to a segment: one grant spent per queued message, one per template a day.

Queueing locks the merchant row, so two sends at once cannot both spend a member's grant
or both pass the once-a-day check; delivery goes through the outbox (`flask outbox send`).
"""

from sqlalchemy import and_, select, update

from core import audit, wechat
from core.clock import local_date, now
from core.extensions import db
from core.models import Merchant
from crm import segments
from crm.models import SegmentSend
from loyalty import notifications
from loyalty.models import Member, OutboxMessage, Subscription

KIND = "segment_message"


def send(merchant_id: int, segment_id: int, message: dict) -> dict:
    """Queue a message for each segment member holding a grant; {queued, skipped_no_grant}."""
    merchant = db.session.execute(select(Merchant).where(Merchant.id == merchant_id)
                                  .with_for_update()).scalar_one()
    segment = segments.get(merchant_id, segment_id)
    day, template = local_date(now(), merchant.timezone), message["template_id"]
    targets = segments.member_ids(merchant_id, segment.filter).subquery()
    sent_today = select(SegmentSend.member_id).where(
        SegmentSend.template_id == template, SegmentSend.day == day)
    rows = db.session.execute(
        select(targets.c.id, Subscription.id).outerjoin(Subscription, and_(
            Subscription.member_id == targets.c.id, Subscription.template_id == template,
            Subscription.grants > 0)).where(targets.c.id.not_in(sent_today))).all()
    granted = [(member_id, sub_id) for member_id, sub_id in rows if sub_id is not None]
    total = segments.count(merchant_id, segment.filter)
    _queue(merchant_id, segment_id, day, message, granted)
    answer = {"queued": len(granted), "skipped_no_grant": len(rows) - len(granted),
              "skipped_sent_today": total - len(rows)}
    audit.record(merchant_id=merchant_id, action="segment.message", target_type="segment",
                 target_id=segment_id, after={"template_id": template, **answer})
    db.session.commit()
    return answer


def _queue(merchant_id, segment_id, day, message, granted) -> None:
    template = message["template_id"]
    for start in range(0, len(granted), 1000):
        batch = granted[start:start + 1000]
        db.session.execute(update(Subscription).where(
            Subscription.id.in_([sub_id for _, sub_id in batch]))
            .values(grants=Subscription.grants - 1).execution_options(synchronize_session=False))
        db.session.add_all(SegmentSend(merchant_id=merchant_id, member_id=member_id,
                                       segment_id=segment_id, template_id=template, day=day)
                           for member_id, _ in batch)
        db.session.add_all(OutboxMessage(
            merchant_id=merchant_id, member_id=member_id, kind=KIND,
            dedupe_key=f"seg:{template}:{day.isoformat()}:{member_id}"[:128],
            payload={"template_id": template, "page": message.get("page"),
                     "data": message["data"]}, next_attempt_at=now())
            for member_id, _ in batch)
        db.session.flush()


def deliver(message: OutboxMessage) -> tuple[str, str | None]:
    """Send one queued segment message (its grant was spent when it was queued)."""
    member = db.session.get(Member, message.member_id)
    payload = message.payload
    body = {"touser": member.openid, "template_id": payload["template_id"],
            "page": payload.get("page") or "pages/index/index", "miniprogram_state": "formal",
            "lang": "zh_CN", "data": {k: {"value": str(v)} for k, v in payload["data"].items()}}
    try:
        wechat.send_subscribe_message(db.session.get(Merchant, message.merchant_id), body)
    except wechat.WeChatError as exc:
        return "failed", str(exc)[:500]
    except wechat.WeChatUnavailable as exc:
        return "retry", str(exc)
    return "sent", None


notifications.DELIVERERS[KIND] = deliver
