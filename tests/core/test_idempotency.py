"""Idempotency-Key: one key runs once, its answer is stored with the effect and replayed."""

import time
import uuid
from collections import Counter

from sqlalchemy import event, func, select

from core.extensions import db
from mall import stock
from mall.models import Order
from tests.helpers import assert_error, balance, run_concurrently
from tests.mall.shop import create_item


def _orders(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Order.id))).scalar()


def _post(client, member, item, key, quantity=1):
    return client.post("/api/v1/mall/orders", json={"item_id": item["id"], "quantity": quantity,
                                                         "address": "上海市静安区南京西路 1 号"},
                       headers={**member["headers"], "Idempotency-Key": key})


def test_32_concurrent_copies_of_one_key_place_one_order_every_time(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, stock=100)
    rounds = 20 if _is_postgres(app) else 3
    for _ in range(rounds):
        key = uuid.uuid4().hex
        answers = run_concurrently(lambda _, k=key: _post(app.test_client(), member, item, k),
                                   range(32))
        statuses = Counter(a.status_code for a in answers)
        assert set(statuses) <= {201, 409}, statuses
        orders = {a.json["id"] for a in answers if a.status_code == 201}
        assert len(orders) == 1, statuses
    assert _orders(app) == rounds and balance(client, member) == 100 - rounds


def test_a_copy_that_takes_the_lock_after_the_first_finished_replays_it(
        api, client, app, monkeypatch):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, stock=100)
    real_set, calls = app.extensions["jifen.redis"].set, []

    def late_for_the_lock(name, *args, **kwargs):
        if ":idem:" in name:
            calls.append(name)
            if len(calls) > 1:  # it saw nothing stored, then reaches the lock late
                time.sleep(1.0)
        return real_set(name, *args, **kwargs)

    monkeypatch.setattr(app.extensions["jifen.redis"], "set", late_for_the_lock)
    answers = run_concurrently(lambda _: _post(app.test_client(), member, item, "k1"), range(2))
    assert [a.status_code for a in answers] == [201, 201]
    assert len({a.json["id"] for a in answers}) == 1
    assert _orders(app) == 1 and balance(client, member) == 99


def _is_postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_a_crash_after_the_service_commit_leaves_nothing_and_the_retry_orders_once(
        api, client, app, monkeypatch):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=10)

    def crash(_hold):
        raise RuntimeError("worker died after the order's commit")

    monkeypatch.setattr(stock, "settle", crash)
    assert _post(client, member, item, "k1").status_code == 500
    monkeypatch.undo()
    retry = _post(client, member, item, "k1")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert _orders(app) == 1 and balance(client, member) == 90


def test_a_crash_after_the_commit_is_answered_by_replaying_the_stored_order(
        api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=10)
    crashes = []

    def crash_once(_session):
        if not crashes:
            crashes.append(1)
            raise RuntimeError("worker died between the commit and the response")

    event.listen(db.session, "after_commit", crash_once)
    try:
        first = _post(client, member, item, "k1")
    finally:
        event.remove(db.session, "after_commit", crash_once)
    assert first.status_code == 500 and crashes
    retry = _post(client, member, item, "k1")
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert _orders(app) == 1 and balance(client, member) == 90
    listed = client.get("/api/v1/me/orders", headers=member["headers"]).json["items"]
    assert [o["id"] for o in listed] == [retry.json["id"]]


def test_a_refusal_is_kept_and_replayed_after_a_restock(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=10, stock=0)
    refused = _post(client, member, item, "k1")
    assert_error(refused, 409, "OUT_OF_STOCK")
    restock = client.post(f"/api/v1/admin/items/{item['id']}/stock", headers=owner["headers"],
                          json={"delta": 5})
    assert restock.status_code == 200, restock.json
    again = _post(client, member, item, "k1")
    assert_error(again, 409, "OUT_OF_STOCK")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert_error(_post(client, member, item, "k1", quantity=2), 409, "IDEMPOTENCY_CONFLICT")
    assert _orders(app) == 0 and balance(client, member) == 100


def test_a_lapsed_lock_still_runs_one_key_once(api, client, app, monkeypatch):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, stock=100)
    real_set = app.extensions["jifen.redis"].set

    def lock_always_free(name, *args, **kwargs):
        if ":idem:" in name:
            return True
        return real_set(name, *args, **kwargs)

    monkeypatch.setattr(app.extensions["jifen.redis"], "set", lock_always_free)
    answers = run_concurrently(lambda _: _post(app.test_client(), member, item, "k1"), range(8))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json["id"] for a in answers}) == 1
    assert _orders(app) == 1 and balance(client, member) == 99
