"""The sold-out lane (mall/lane.py): refusals Redis gave are repeated in front of Flask, exactly
as Flask answers them, and never for a request Flask would answer otherwise."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from sqlalchemy import event

from core.clock import now
from core.extensions import db
from core.mirror import CHANNEL, scripted
from core.observability import observe
from mall import lane, stock
from tests.helpers import assert_error, bearer, purchase
from tests.mall.shop import ADDRESS, create_item, placed


def order(client, member: dict, item: dict, headers: dict | None = None):
    return client.post("/api/v1/mall/orders", headers=headers or member["headers"],
                       json={"item_id": item["id"], "quantity": 1, "address": ADDRESS})


@pytest.fixture(autouse=True)
def _still_clock(clock):
    """A memo lives 1 s of the app's clock: a loaded machine must not age it mid-test."""
    clock.set(now())


def _sold_out(api, client, **fields):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, stock=1, points_price=1, **fields)
    purchase(client, merchant, member, 10_000)
    return merchant, owner, member, item


def _through_flask(app, monkeypatch) -> list:
    """Requests that reached Flask's dispatch (the lane answered the others)."""
    seen, dispatch = [], app.dispatch_request
    monkeypatch.setattr(app, "dispatch_request", lambda: seen.append(1) or dispatch())
    return seen


def test_the_lane_repeats_redis_refusal_with_flasks_body_log_line_and_metrics(
        api, client, app, monkeypatch):
    _merchant, _owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    slow = order(client, member, item)  # Flask: Redis refuses, this process remembers
    assert_error(slow, 409, "OUT_OF_STOCK")
    seen = _through_flask(app, monkeypatch)
    fast = order(client, member, item)
    assert seen == [] and fast.status_code == 409
    assert fast.get_data() == slow.get_data()
    assert fast.headers["Content-Type"] == slow.headers["Content-Type"]
    assert fast.headers["X-Request-ID"]
    lines = []  # Flask's own hook writes the log line and counts the metrics through observe
    monkeypatch.setattr(lane, "observe", lambda **fields: lines.append(fields) or observe(
        **fields))
    order(client, member, item, headers={**member["headers"], "X-Request-ID": "lane-1"})
    assert lines[-1]["request_id"] == "lane-1" and lines[-1]["status"] == 409
    metrics = client.get("/metrics").get_data(True)
    assert 'endpoint="/api/v1/mall/orders",method="POST",status="409"' in metrics


def test_the_lane_touches_no_database_with_or_without_an_idempotency_key(
        api, client, app, monkeypatch):
    _merchant, _owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    order(client, member, item)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for headers in (member["headers"], {**member["headers"], "Idempotency-Key": "k-new"}):
            assert_error(order(client, member, item, headers=headers), 409, "OUT_OF_STOCK")
        monkeypatch.setattr(stock, "MEMO_SECONDS", 0)  # Flask's path: Redis only too
        assert_error(order(client, member, item, headers={
            **member["headers"], "Idempotency-Key": "k-other"}), 409, "OUT_OF_STOCK")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []


def test_a_copy_of_an_answered_request_replays_it_even_when_the_item_sold_out_since(
        api, client, app, monkeypatch):
    _merchant, _owner, member, item = _sold_out(api, client)
    headers = {**member["headers"], "Idempotency-Key": "first"}
    first = order(client, member, item, headers=headers).json
    order(client, member, item)  # sold out now, and remembered
    copy = order(client, member, item, headers=headers)
    assert copy.status_code == 201 and copy.json["id"] == first["id"]
    assert copy.headers["Idempotent-Replayed"] == "true"


def test_a_memo_expires_and_a_restock_in_another_process_ends_it_at_once(
        api, client, app, monkeypatch, clock):
    _merchant, owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    order(client, member, item)
    seen = _through_flask(app, monkeypatch)
    assert_error(order(client, member, item), 409, "OUT_OF_STOCK")
    assert seen == []
    clock.advance(seconds=stock.MEMO_SECONDS + 0.1)
    assert_error(order(client, member, item), 409, "OUT_OF_STOCK")
    assert seen == [1]  # expired: Flask asked Redis again (and remembers afresh)
    # the restock runs in another thread with its own app context, as another worker would
    restock = threading.Thread(target=lambda: app.test_client().post(
        f"/api/v1/admin/items/{item['id']}/stock", headers=owner["headers"], json={"delta": 1}))
    restock.start()
    restock.join()
    assert order(client, member, item).status_code == 201  # not the remembered refusal


def test_not_on_sale_is_remembered_only_until_the_sale_starts(
        api, client, app, clock, monkeypatch):
    monkeypatch.setattr(stock, "MEMO_SECONDS", 60)
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    purchase(client, merchant, member, 10_000)
    clock.set(now().replace(microsecond=0))
    starts = now() + timedelta(seconds=2)
    item = create_item(client, owner, points_price=1, sale_starts_at=starts.isoformat())
    assert_error(order(client, member, item), 409, "NOT_ON_SALE")
    assert_error(order(client, member, item), 409, "NOT_ON_SALE")
    clock.set(starts)
    assert order(client, member, item).status_code == 201


def test_bad_expired_or_revoked_tokens_get_flasks_401_never_a_refusal(
        api, client, app, clock):
    _merchant, _owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    order(client, member, item)
    for token in ("nonsense", member["token"][:-2] + "xx", member["refresh"]):
        assert_error(order(client, member, item, headers=bearer(token)), 401, "UNAUTHORIZED")
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).status_code == 200
    response = order(client, member, item)
    assert_error(response, 401, "UNAUTHORIZED")
    assert response.json["error"]["message"] == "Token has been revoked."


def test_bodies_flask_refuses_are_not_refused_by_the_lane(api, client, app):
    _merchant, _owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    order(client, member, item)
    for body in ({"item_id": item["id"], "quantity": 0}, {"item_id": item["id"], "x": 1},
                 {"item_id": item["id"], "address": "\ud800"}):
        response = client.post("/api/v1/mall/orders", headers=member["headers"], json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
    key = {**member["headers"], "Idempotency-Key": "k" * 65}
    assert_error(order(client, member, item, headers=key), 422, "VALIDATION_ERROR")


def test_a_refusal_redis_gave_is_replayed_from_redis_after_a_restock(api, client, app):
    _merchant, owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    headers = {**member["headers"], "Idempotency-Key": uuid.uuid4().hex}
    first = order(client, member, item, headers=headers)
    assert_error(first, 409, "OUT_OF_STOCK")
    client.post(f"/api/v1/admin/items/{item['id']}/stock", headers=owner["headers"],
                json={"delta": 1})
    again = order(client, member, item, headers=headers)
    assert_error(again, 409, "OUT_OF_STOCK")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json


def _mirror_current(app):
    if not app.extensions["jifen.mirror"].enabled:
        pytest.skip("the mirror is off on a Redis Cluster")
    deadline = time.monotonic() + 5
    while app.extensions["jifen.mirror"].current_generation() is None:
        assert time.monotonic() < deadline, "the mirror never became current"
        time.sleep(0.01)


def test_with_a_current_mirror_only_an_idempotency_key_costs_a_round_trip(
        api, client, app, monkeypatch):
    _merchant, _owner, member, item = _sold_out(api, client)
    placed(client, member, item)
    _mirror_current(app)
    order(client, member, item)  # remembered in the mirror's generation
    trips, send = [], redis.connection.AbstractConnection.send_packed_command

    def counted(conn, command, *args, **kwargs):
        parts = [command] if isinstance(command, bytes) else command
        sent = b"".join(bytes(part) for part in parts)
        if b"PUBLISH" not in sent:  # the mirror's heartbeat, from its own thread
            trips.append(sent)
        return send(conn, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    seen = _through_flask(app, monkeypatch)
    assert_error(order(client, member, item), 409, "OUT_OF_STOCK")
    assert trips == []
    assert_error(order(client, member, item, headers={
        **member["headers"], "Idempotency-Key": "k-1"}), 409, "OUT_OF_STOCK")
    assert seen == [] and len(trips) == 1 and b"GET" in trips[0]  # the key's marker


def test_reserve_lua_publishes_on_the_mirrors_channel_of_its_database():
    assert f"'{CHANNEL}'" in stock.SCRIPT
    registered = scripted(stock.SCRIPT, redis.Redis(db=5))  # no connection until used
    assert f"'{CHANNEL}:5'" in registered and f"'{CHANNEL}'" not in registered
