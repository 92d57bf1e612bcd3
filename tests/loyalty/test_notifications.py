from datetime import UTC, datetime

import requests

from core.extensions import db
from loyalty import expiry, notifications
from loyalty.models import OutboxMessage

EARNED = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
NOTICE_TIME = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)  # 26 days before expiry


def _messages(wechat_server):
    return requests.get(f"{wechat_server}/_fake/messages", timeout=5).json()["messages"]


def _member_with_expiring_points(api, client, clock, grants=1):
    merchant = api.merchant()
    clock.set(EARNED)
    member = api.member(merchant)
    for _ in range(grants):
        client.post("/api/v1/me/subscriptions", headers=member["headers"],
                    json={"template_id": "expiry-notice"})
    clock.set(NOTICE_TIME)
    return member


def test_a_notice_is_queued_once_per_lot_and_delivered_to_wechat(api, app, client, clock,
                                                                 wechat_server):
    member = _member_with_expiring_points(api, client, clock)
    with app.app_context():
        assert expiry.queue_notices() == {"queued": 1}
        assert expiry.queue_notices() == {"queued": 0}
        assert notifications.send_due() == {"sent": 1}
    sent = _messages(wechat_server)
    assert len(sent) == 1 and sent[0]["touser"] == member["openid"]
    assert sent[0]["data"]["number2"]["value"] == "100"


def test_no_subscription_left_is_a_permanent_failure(api, app, client, clock, wechat_server):
    _member_with_expiring_points(api, client, clock)
    requests.post(f"{wechat_server}/_fake/script",
                  json={"endpoint": "subscribe", "errcodes": [43101]}, timeout=5)
    with app.app_context():
        expiry.queue_notices()
        assert notifications.send_due() == {"failed": 1}
        clock.advance(days=1)
        assert notifications.send_due() == {}
    assert _messages(wechat_server) == []


def test_busy_wechat_is_retried_with_backoff_and_then_delivered(api, app, client, clock,
                                                               wechat_server):
    _member_with_expiring_points(api, client, clock)
    requests.post(f"{wechat_server}/_fake/script",
                  json={"endpoint": "subscribe", "errcodes": [-1, -1]}, timeout=5)
    with app.app_context():
        expiry.queue_notices()
        assert notifications.send_due() == {"retrying": 1}
        assert notifications.send_due() == {}  # not due yet: backoff
        clock.advance(minutes=2)
        assert notifications.send_due() == {"retrying": 1}
        clock.advance(minutes=5)
        assert notifications.send_due() == {"sent": 1}
        assert db.session.query(OutboxMessage).one().attempts == 3
    assert len(_messages(wechat_server)) == 1


def test_an_invalid_access_token_is_refreshed_once(api, app, client, clock, wechat_server):
    _member_with_expiring_points(api, client, clock)
    requests.post(f"{wechat_server}/_fake/script",
                  json={"endpoint": "subscribe", "errcodes": [40001]}, timeout=5)
    with app.app_context():
        expiry.queue_notices()
        assert notifications.send_due() == {"sent": 1}


def test_members_without_a_grant_are_skipped(api, app, client, clock, wechat_server):
    _member_with_expiring_points(api, client, clock, grants=0)
    with app.app_context():
        expiry.queue_notices()
        assert notifications.send_due() == {"skipped": 1}
    assert _messages(wechat_server) == []
