"""Round trips per hot write, counted in-process on the engine (statements, BEGIN, COMMIT,
ROLLBACK and pool pings), and how long each request takes in this process."""

import time
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core.extensions import db
from tests.helpers import balance, purchase, run_concurrently
from tests.mall.shop import create_item
from tests.till.counter import pay_code, redeem


class Trips:
    def __init__(self):
        self.statements, self.other, self.commits = [], 0, []

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

    def on_commit(*_):
        trips.other += 1
        trips.commits.append(len(trips.statements))

    listeners = [(engine, "before_cursor_execute", on_statement), (engine, "begin", on_other),
                 (engine, "commit", on_commit), (engine, "rollback", on_other),
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
    took, cpu = 0.0, 0.0  # wall time, and this process' CPU (steadier on a busy machine)
    for _ in range(repeat):
        argument = prepare()
        started, cpu_started = time.perf_counter(), time.process_time()
        assert send(argument).status_code in (200, 201)
        took += (time.perf_counter() - started) / repeat * 1e6
        cpu += (time.process_time() - cpu_started) / repeat * 1e6
    print(f"\n{label}: {trips.total} round trips, {len(trips.statements)} statements, "
          f"{took:.0f} µs/request, {cpu:.0f} µs CPU/request in this process")
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


# The tables the hot paths write; on PostgreSQL only the ledger's functions write them.
HOT_TABLES = ("ledger_entries", "lots", "lot_consumptions", "points_accounts", "members",
              "growth_events", "checkins", "pos_orders", "mall_orders", "mall_vouchers",
              "mall_items", "till_redemptions")


def _writes(trips) -> list[str]:
    return [s for s in trips.statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")
            and any(f" {table} " in f" {s} " for table in HOT_TABLES)]


def _calls(trips) -> list[str]:
    return [s.split("(")[0].removeprefix("SELECT ") for s in trips.statements
            if s.startswith("SELECT jifen_")]


def test_each_hot_write_is_one_function_call_on_postgresql_and_python_on_sqlite(app, api,
                                                                               client, shop):
    merchant, owner, member = shop
    item = create_item(client, owner, type="service", points_price=10, stock=10)
    code = pay_code(client, member)
    checker = api.member(merchant)
    requests = {
        "jifen_mall_order": lambda: client.post(
            "/api/v1/mall/orders", headers={**member["headers"], "Idempotency-Key": "k-1"},
            json={"item_id": item["id"], "quantity": 2}),
        "jifen_pos_earn": lambda: purchase(client, merchant, member, 10_000),
        "jifen_till_redeem": lambda: redeem(client, merchant, code, 100, 10_000),
        "jifen_checkin": lambda: client.post("/api/v1/me/checkins", headers=checker["headers"]),
    }
    with app.app_context():
        on_postgresql = db.engine.dialect.name == "postgresql"
    for function, send in requests.items():
        with counted(app) as trips:
            response = send()
        assert response.status_code in (200, 201), response.json
        if on_postgresql:
            assert _calls(trips) == [function] and _writes(trips) == [], trips.statements
        else:
            assert _calls(trips) == [] and _writes(trips), trips.statements
    order = client.get("/api/v1/me/orders?limit=1", headers=member["headers"]).json["items"][0]
    assert order["status"] == "paid" and len(order["vouchers"]) == 2


def test_the_order_answer_needs_no_reload_after_the_commit(app, client, shop):
    _, owner, member = shop
    item = create_item(client, owner, type="coupon", points_price=10, stock=10)
    with counted(app) as trips:
        response = client.post("/api/v1/mall/orders", headers=member["headers"],
                               json={"item_id": item["id"], "quantity": 2})
    assert response.status_code == 201, response.json
    assert response.json["item_title"] == item["title"] and len(response.json["vouchers"]) == 2
    after_commit = trips.statements[trips.commits[-1]:]
    assert not [s for s in after_commit if "mall_" in s], after_commit


def test_32_requests_racing_for_one_account_keep_the_ledger_whole(app, api, client, shop):
    """Mall orders (each 100 points), POS earns and copies of one check-in on one account at
    once: every debit that passed is paid for, nothing is lost, the check-in counts once."""
    merchant, owner, member = shop
    start = balance(client, member)
    item = create_item(client, owner, type="service", points_price=start // 12, stock=100)

    def send(n):
        local = app.test_client()
        if n % 4 == 0:
            response = purchase(local, merchant, member, 10_000)
            return "earn", response.status_code, response.json["points_earned"]
        if n % 4 == 1:
            response = local.post("/api/v1/me/checkins", headers=member["headers"])
            return "checkin", response.status_code, response.json.get("points", 0)
        response = local.post(
            "/api/v1/mall/orders", headers={**member["headers"], "Idempotency-Key": f"r{n}"},
            json={"item_id": item["id"], "quantity": 1})
        return "order", response.status_code, response.json.get("points", 0)

    results = run_concurrently(send, range(32))
    by_kind = {kind: [(status, points) for k, status, points in results if k == kind]
               for kind in ("order", "earn", "checkin")}
    assert {status for status, _ in by_kind["order"]} <= {201, 409}
    assert [status for status, _ in by_kind["earn"]] == [200] * 8
    assert sorted(status for status, _ in by_kind["checkin"]) == [201] + [409] * 7
    paid = [points for status, points in by_kind["order"] if status == 201]
    assert len(paid) >= 11  # the balance covers 12 orders before the earns
    moved = sum(points for _, points in by_kind["earn"] + by_kind["checkin"]) - sum(paid)
    assert balance(client, member) == start + moved  # and the autouse fixture verifies


def test_16_members_racing_for_5_units_get_exactly_5(app, api, client, shop):
    merchant, owner, _ = shop
    item = create_item(client, owner, type="service", points_price=10, stock=5)
    racers = [api.member(merchant) for _ in range(16)]
    statuses = run_concurrently(lambda racer: app.test_client().post(
        "/api/v1/mall/orders", headers=racer["headers"],
        json={"item_id": item["id"], "quantity": 1}).status_code, racers)
    assert statuses.count(201) == 5
    assert sorted(balance(client, racer) for racer in racers) == [90] * 5 + [100] * 11


def test_32_copies_of_one_redemption_debit_once(app, client, shop):
    merchant, _, member = shop
    before = balance(client, member)
    code = pay_code(client, member)
    answers = run_concurrently(lambda _: redeem(app.test_client(), merchant, code, 100, 10_000,
                                                redemption_no="same").json, range(32))
    assert {answer["balance"] for answer in answers} == {before - 100}
    assert balance(client, member) == before - 100
