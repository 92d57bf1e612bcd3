"""Round trips per hot write, counted in-process on the engine (statements, BEGIN, COMMIT,
ROLLBACK and pool pings), and how long each request takes in this process."""

import time
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core.extensions import db
from tests.helpers import balance, purchase
from tests.mall.shop import create_item
from tests.till.counter import pay_code, redeem


class Trips:
    def __init__(self):
        self.statements, self.other = [], 0

    @property
    def total(self):
        return len(self.statements) + self.other


@contextmanager
def counted(app):
    trips = Trips()
    with app.app_context():
        engine = db.engine

    def on_statement(conn, cursor, statement, *_):
        trips.statements.append(statement.split("\n")[0][:90])

    def on_other(*_):
        trips.other += 1

    listeners = [(engine, "before_cursor_execute", on_statement), (engine, "begin", on_other),
                 (engine, "commit", on_other), (engine, "rollback", on_other),
                 (engine.pool, "checkout", on_other)]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        yield trips
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)


def _profile(app, label, send, prepare=lambda: None, repeat=20):
    """Count one request's round trips, then time `repeat` more (without `prepare`)."""
    argument = prepare()
    with counted(app) as trips:
        response = send(argument)
    assert response.status_code in (200, 201), response.json
    took = 0.0
    for _ in range(repeat):
        argument = prepare()
        started = time.perf_counter()
        assert send(argument).status_code in (200, 201)
        took += (time.perf_counter() - started) / repeat * 1e6
    print(f"\n{label}: {trips.total} round trips, {len(trips.statements)} statements, "
          f"{took:.0f} µs/request")
    for statement in trips.statements:
        print("   ", statement)
    return trips


@pytest.fixture
def shop(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    member = api.member(merchant)
    purchase(client, merchant, member, 1_000_000)
    assert balance(client, member) >= 10_000
    return merchant, owner, member


def test_profile(app, api, client, shop, clock):
    merchant, owner, member = shop
    item = create_item(client, owner, type="service", points_price=10, stock=1000)
    _profile(app, "mall order", lambda _: client.post(
        "/api/v1/mall/orders", headers={**member["headers"], "Idempotency-Key": uuid.uuid4().hex},
        json={"item_id": item["id"], "quantity": 1}))
    _profile(app, "POS earn", lambda _: purchase(client, merchant, member, 10_000))
    _profile(app, "POS redemption", lambda code: redeem(client, merchant, code, 100, 10_000),
             lambda: pay_code(client, member))
    checkers = iter([api.member(merchant) for _ in range(21)])
    _profile(app, "check-in", lambda checker: client.post(
        "/api/v1/me/checkins", headers=checker["headers"]), lambda: next(checkers))
