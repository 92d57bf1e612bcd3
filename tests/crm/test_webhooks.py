import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.extensions import db
from crm import webhooks
from crm.models import Webhook
from loyalty import notifications
from tests.helpers import assert_error, purchase

URL = "/api/v1/admin/webhooks"


class Receiver:
    """A test endpoint on loopback: records requests, answers the scripted statuses."""

    def __init__(self):
        self.requests, self.statuses = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receiver(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    server = Receiver()
    yield server
    server.server.shutdown()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False


def test_signatures_cover_the_timestamp_and_the_body():
    expected = hmac.new(b"s3cret", b"1700000000\n{}", hashlib.sha256).hexdigest()
    assert webhooks.sign("s3cret", "1700000000", b"{}") == expected


def test_webhooks_refuse_urls_into_the_inside_of_the_network(api, client):
    owner = api.staff(api.merchant(), "owner")["headers"]
    for url in ("ftp://example.com/x", "http://127.0.0.1/x", "http://10.1.2.3/x",
                "http://[::1]/x", "http://169.254.169.254/", "http://localhost:8000/",
                "not a url", "https:///nohost", "http://192.168.1.1:8080/"):
        error = assert_error(client.post(URL, headers=owner,
                                         json={"url": url, "events": ["order.paid"]}),
                             422, "VALIDATION_ERROR")
        assert "url" in error["details"], url
    assert client.get(URL, headers=owner).json["items"] == []


def test_bad_events_and_other_roles_are_refused(client, shop, receiver):
    owner = shop["owner"]["headers"]
    assert_error(client.post(URL, headers=owner, json={"url": receiver.url,
                                                       "events": ["points.stolen"]}),
                 422, "VALIDATION_ERROR")
    assert_error(client.post(URL, headers=owner, json={"url": receiver.url, "events": []}),
                 422, "VALIDATION_ERROR")
    assert_error(client.post(URL, headers=shop["manager"]["headers"],
                             json={"url": receiver.url, "events": ["order.paid"]}),
                 403, "FORBIDDEN")


def test_events_are_delivered_signed_and_logged(app, api, client, shop, receiver):
    owner, merchant = shop["owner"]["headers"], shop["merchant"]
    created = client.post(URL, headers=owner, json={
        "url": receiver.url, "events": ["points.changed", "order.paid", "member.joined"]})
    assert created.status_code == 201, created.json
    secret, hook_id = created.json["secret"], created.json["id"]
    member = api.member(merchant)
    purchase(client, merchant, member, 12300, order_no="A-1")
    with app.app_context():
        assert notifications.send_due() == {"sent": 4}  # joined, signup points, paid, points
    seen = {}
    for headers, body in receiver.requests:
        signed = webhooks.sign(secret, headers["X-Jifen-Timestamp"], body)
        assert hmac.compare_digest(signed, headers["X-Jifen-Signature"])
        event = json.loads(body)
        assert event["merchant_id"] == merchant["id"] and headers["X-Jifen-Event"] == event[
            "event"]
        seen.setdefault(event["event"], []).append(event["data"])
    assert seen["order.paid"] == [{"member_id": member["id"], "order_no": "A-1",
                                   "amount_fen": 12300, "source": "pos"}]
    assert [d["amount"] for d in seen["points.changed"]] == [100, 123]
    assert seen["member.joined"][0]["member_id"] == member["id"]
    log = client.get(f"{URL}/{hook_id}/deliveries", headers=owner).json["items"]
    assert [(d["status_code"], d["ok"]) for d in log] == [(200, True)] * 4
    assert "secret" not in client.get(URL, headers=owner).json["items"][0]


def test_failures_retry_with_backoff_then_disable_the_endpoint(app, api, client, clock, shop,
                                                               receiver):
    owner, merchant = shop["owner"]["headers"], shop["merchant"]
    hook = client.post(URL, headers=owner, json={"url": receiver.url,
                                                 "events": ["member.joined"]}).json
    receiver.statuses = [500, 503, 500]
    app.config["WEBHOOK_DISABLE_AFTER"] = 3
    try:
        api.member(merchant)
        with app.app_context():
            assert notifications.send_due() == {"retrying": 1}
            assert notifications.send_due() == {}  # backing off
            clock.advance(minutes=2)
            assert notifications.send_due() == {"retrying": 1}
            clock.advance(minutes=5)
            assert notifications.send_due() == {"failed": 1}
    finally:
        app.config.pop("WEBHOOK_DISABLE_AFTER")
    log = client.get(f"{URL}/{hook['id']}/deliveries", headers=owner).json["items"]
    assert [(d["attempt"], d["status_code"]) for d in log] == [(3, 500), (2, 503), (1, 500)]
    assert client.get(URL, headers=owner).json["items"][0]["status"] == "disabled"
    api.member(merchant)  # a disabled endpoint gets nothing more
    with app.app_context():
        assert notifications.send_due() == {}
    assert len(receiver.requests) == 3


def test_deleted_and_foreign_webhooks_are_not_found(api, client, shop, receiver):
    owner = shop["owner"]["headers"]
    hook = client.post(URL, headers=owner, json={"url": receiver.url,
                                                 "events": ["tier.changed"]}).json
    stranger = api.staff(api.merchant(), "owner")["headers"]
    assert_error(client.delete(f"{URL}/{hook['id']}", headers=stranger), 404, "NOT_FOUND")
    assert_error(client.get(f"{URL}/{hook['id']}/deliveries", headers=stranger), 404,
                 "NOT_FOUND")
    assert client.delete(f"{URL}/{hook['id']}", headers=owner).status_code == 204
    assert client.get(URL, headers=owner).json["items"] == []
    assert_error(client.delete(f"{URL}/{hook['id']}", headers=owner), 404, "NOT_FOUND")


def test_an_endpoint_another_process_creates_hears_events_within_seconds(
        app, api, client, shop, receiver, monkeypatch):
    merchant, started = shop["merchant"], webhooks.clock()
    monkeypatch.setattr(webhooks, "clock", lambda: started)
    member = api.member(merchant)  # this process now knows the merchant has no endpoints
    with app.app_context():  # what a create in another process leaves: the row, not our copy
        db.session.add(Webhook(merchant_id=merchant["id"], url=receiver.url, secret="s" * 64,
                               events=["order.paid"], status="active", failures=0))
        db.session.commit()
    purchase(client, merchant, member, 100, order_no="before")
    monkeypatch.setattr(webhooks, "clock", lambda: started + webhooks.ACTIVE_SECONDS)
    purchase(client, merchant, member, 100, order_no="after")
    with app.app_context():
        assert notifications.send_due() == {"sent": 1}
    assert [json.loads(body)["data"]["order_no"] for _, body in receiver.requests] == ["after"]
