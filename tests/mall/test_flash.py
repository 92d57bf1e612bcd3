"""The queued flash sale: 202 and a ticket, the writer, failures, replays and crashes."""

import uuid
from collections import Counter

import pytest
from sqlalchemy import event, func, select, update

from auth import tokens
from core import keys
from core.extensions import db, rds
from loyalty.models import Member
from mall import flash
from mall.models import Order
from tests.helpers import assert_error, balance, cli, run_concurrently
from tests.mall.race import race
from tests.mall.shop import (
    create_item,
    db_stock,
    many_members,
    order,
    redis_holds,
    redis_stock,
)
from tests.servers import flask_command, wait_until


class Crash(BaseException):
    """The writer died here (not an error it could handle)."""


def queued(client, member: dict, item: dict, **headers) -> str:
    """A flash order that must be queued; its ticket."""
    response = client.post("/api/v1/mall/orders", headers={**member["headers"], **headers},
                           json={"item_id": item["id"], "address": "上海"})
    assert response.status_code == 202, response.json
    assert response.json == {"ticket": response.json["ticket"], "status": "queued",
                             "order_id": None, "error": None}
    return response.json["ticket"]


def poll(client, member: dict, ticket: str):
    return client.get(f"/api/v1/me/flash-tickets/{ticket}", headers=member["headers"])


def write_all(app, consumer: str = "test-writer", **options) -> int:
    with app.app_context():
        return flash.Writer(consumer, **options).run(lambda: False, once=True)


def backlog(app) -> int:
    with app.app_context():
        return flash.backlog()


def orders_of(app, item: dict) -> list[Order]:
    with app.app_context():
        return db.session.execute(select(Order).where(Order.item_id == item["id"])
                                  .order_by(Order.id)).scalars().all()


@pytest.fixture
def shop(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    item = create_item(client, owner, stock=5, points_price=10, flash=True)
    return merchant, owner, item


def test_a_flash_order_is_queued_then_written_and_the_ticket_follows_it(
        api, client, app, shop):
    merchant, owner, item = shop
    member = api.member(merchant)
    ticket = queued(client, member, item)
    assert poll(client, member, ticket).json == {
        "ticket": ticket, "status": "queued", "order_id": None, "error": None}
    assert redis_stock(app, merchant, item) == 4 and db_stock(client, owner, item) == 5
    assert backlog(app) == 1 and balance(client, member) == 100

    assert cli(app, "mall", "writer", "--once")["entries"] == 1
    state = poll(client, member, ticket).json
    assert state["status"] == "paid" and state["error"] is None
    mine = client.get(f"/api/v1/me/orders/{state['order_id']}", headers=member["headers"])
    assert mine.status_code == 200 and mine.json["status"] == "paid"
    assert balance(client, member) == 90 and db_stock(client, owner, item) == 4
    assert redis_stock(app, merchant, item) == 4 and redis_holds(app, merchant, item) == 0
    assert backlog(app) == 0
    assert client.get(f"/api/v1/mall/items/{item['id']}",
                      headers=member["headers"]).json["flash"] is True


def test_a_ticket_is_new_for_each_request_and_the_same_for_a_retried_key():
    assert flash.ticket_id(7, None) != flash.ticket_id(7, None)
    assert flash.ticket_id(7, "k") == flash.ticket_id(7, "k") != flash.ticket_id(8, "k")
    assert len(flash.ticket_id(7, "k")) == len(flash.ticket_id(7, None)) == 32  # reservation_id


def test_a_regular_item_still_answers_201_with_the_order(api, client, shop):
    merchant, owner, _item = shop
    regular = create_item(client, owner, points_price=10)
    response = order(client, api.member(merchant), regular)
    assert response.status_code == 201 and response.json["status"] == "paid"


def test_too_few_points_fail_the_order_and_return_its_stock_and_quota(api, client, app):
    merchant = api.merchant()
    owner = api.staff(merchant)
    item = create_item(client, owner, stock=5, points_price=60, flash=True,
                       limit_per_member_total=1)
    rich, poor = api.member(merchant), api.member(merchant)
    assert order(client, poor, create_item(client, owner, points_price=50)).status_code == 201
    paid, failed = queued(client, rich, item), queued(client, poor, item)
    assert_error(order(client, poor, item), 409, "LIMIT_EXCEEDED")  # the quota is taken
    assert redis_stock(app, merchant, item) == 3
    assert write_all(app) == 2
    assert poll(client, rich, paid).json["status"] == "paid"
    assert poll(client, poor, failed).json == {
        "ticket": failed, "status": "failed", "order_id": None,
        "error": {"code": "INSUFFICIENT_POINTS", "message": "Not enough points."}}
    assert balance(client, rich) == 40 and balance(client, poor) == 50
    assert redis_stock(app, merchant, item) == 4 and redis_holds(app, merchant, item) == 0
    assert len(orders_of(app, item)) == 1
    again = queued(client, poor, item)  # the limit counts live orders only: quota came back
    assert cli(app, "mall", "reconcile")["flash_entries"] == 1  # and fails it: still poor
    assert poll(client, poor, again).json["status"] == "failed"
    assert redis_stock(app, merchant, item) == 4 == db_stock(client, owner, item)


def test_an_order_the_database_cannot_store_fails_alone(api, client, app, shop):
    merchant, _owner, item = shop
    member, other = api.member(merchant), api.member(merchant)
    response = order(client, member, item, address="南京西路\x00 1 号")
    assert response.status_code == 202
    fine = queued(client, other, item)
    assert write_all(app) == 2
    state = poll(client, member, response.json["ticket"]).json
    if db_dialect(app) == "postgresql":  # no NUL in its text; SQLite stores it
        assert state["error"]["code"] == "VALIDATION_ERROR" and balance(client, member) == 100
    else:
        assert state["status"] == "paid"
    assert poll(client, other, fine).json["status"] == "paid"


def db_dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_an_idempotency_key_replays_the_same_ticket_and_one_order(api, client, app, shop):
    merchant, _owner, item = shop
    member = api.member(merchant)
    first = queued(client, member, item, **{"Idempotency-Key": "k1"})
    again = client.post("/api/v1/mall/orders",
                        headers={**member["headers"], "Idempotency-Key": "k1"},
                        json={"item_id": item["id"], "address": "上海"})
    assert again.status_code == 202 and again.json["ticket"] == first
    assert again.headers["Idempotent-Replayed"] == "true"
    with app.test_request_context():  # the request ran but its answer was never stored
        assert flash.enqueue(merchant["id"], member["id"], item_id=item["id"], quantity=1,
                             request_key="k1").ticket == first
    assert redis_stock(app, merchant, item) == 4 and backlog(app) == 1
    write_all(app)
    assert len(orders_of(app, item)) == 1 and balance(client, member) == 90


def test_the_lane_queues_and_replays_with_no_database_and_never_past_flask(
        api, client, app, shop, monkeypatch):
    merchant, _owner, item = shop
    member = api.member(merchant)
    queued(client, api.member(merchant), item)  # the item's first order loads it into Redis
    statements, seen, dispatch = [], [], app.dispatch_request
    monkeypatch.setattr(app, "dispatch_request", lambda: seen.append(1) or dispatch())
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        keyed = {**member["headers"], "Idempotency-Key": "lane-1"}
        first = queued(client, member, item, **{"Idempotency-Key": "lane-1"})
        copy = client.post("/api/v1/mall/orders", headers=keyed,
                           json={"item_id": item["id"], "address": "上海"})
        other = client.post("/api/v1/mall/orders", headers=keyed,
                            json={"item_id": item["id"], "address": "北京"})
        unkeyed = queued(client, member, item)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert seen == [] and statements == []
    assert copy.status_code == 202 and copy.json["ticket"] == first
    assert copy.headers["Idempotent-Replayed"] == "true" and copy.headers["X-Request-ID"]
    assert_error(other, 409, "IDEMPOTENCY_CONFLICT")
    assert unkeyed != first and backlog(app) == 3
    assert write_all(app) == 3 and len(orders_of(app, item)) == 3


def test_the_lane_queues_nothing_for_a_revoked_token_and_flask_answers(api, client, app, shop):
    merchant, _owner, item = shop
    member, anonymised = api.member(merchant), api.member(merchant)
    queued(client, api.member(merchant), item)  # loaded into Redis: 4 left
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).status_code == 200
    with app.app_context():  # what anonymising a member does to every token it holds
        tokens.revoke_subject("member", anonymised["id"], merchant["id"])
    for someone in (member, anonymised):
        response = client.post("/api/v1/mall/orders", json={"item_id": item["id"]},
                               headers={**someone["headers"], "Idempotency-Key": "k"})
        assert_error(response, 401, "UNAUTHORIZED")
    assert backlog(app) == 1 and redis_stock(app, merchant, item) == 4


def test_32_copies_of_one_keyed_order_at_once_queue_it_once(api, client, app, shop):
    merchant, _owner, item = shop
    member = api.member(merchant)
    headers = {**member["headers"], "Idempotency-Key": "thirty-two"}
    answers = run_concurrently(lambda _: app.test_client().post(
        "/api/v1/mall/orders", headers=headers, json={"item_id": item["id"], "address": "上海"}),
        range(32))
    assert {(a.status_code, a.json.get("ticket")) for a in answers
            if a.status_code == 202} == {(202, flash.ticket_id(member["id"], "thirty-two"))}
    assert {a.json["error"]["code"] for a in answers if a.status_code != 202} <= {"CONFLICT"}
    assert backlog(app) == 1 and redis_stock(app, merchant, item) == 4
    assert write_all(app) == 1 and balance(client, member) == 90


def test_refusals_come_from_redis_as_for_any_order(api, client, app):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant), stock=1, points_price=10, flash=True,
                       limit_per_order=1)
    member = api.member(merchant)
    assert_error(order(client, member, item, quantity=2), 409, "LIMIT_EXCEEDED")
    queued(client, member, item)
    assert_error(order(client, member, item), 409, "OUT_OF_STOCK")
    assert backlog(app) == 1


def test_a_ticket_is_the_members_own(api, client, shop):
    merchant, _owner, item = shop
    member, other = api.member(merchant), api.member(merchant)
    ticket = queued(client, member, item)
    assert_error(poll(client, other, ticket), 404, "NOT_FOUND")
    assert_error(poll(client, member, uuid.uuid4().hex), 404, "NOT_FOUND")
    assert poll(client, member, "x").status_code == 404


def test_a_writer_dying_between_its_commit_and_the_acknowledgement_writes_nothing_twice(
        api, client, app, shop, monkeypatch):
    merchant, owner, item = shop
    buyers = [api.member(merchant) for _ in range(4)]
    tickets = [queued(client, buyer, item) for buyer in buyers]
    monkeypatch.setattr(flash, "_run", crash_on_settle(flash._run))
    with pytest.raises(Crash):
        write_all(app, "w1")
    monkeypatch.undo()
    assert len(orders_of(app, item)) == 4 and backlog(app) == 4
    assert poll(client, buyers[1], tickets[1]).json["status"] == "queued"
    assert write_all(app, "w1") == 4  # restarted under its name: its own entries first
    assert len(orders_of(app, item)) == 4 and backlog(app) == 0
    assert ({poll(client, b, t).json["status"] for b, t in zip(buyers, tickets, strict=True)}
            == {"paid"})
    assert [balance(client, buyer) for buyer in buyers] == [90] * 4
    assert redis_stock(app, merchant, item) == 1 == db_stock(client, owner, item)
    assert redis_holds(app, merchant, item) == 0


def test_a_refusal_fails_its_order_alone_but_never_an_order_already_written(
        api, client, app, shop, monkeypatch):
    merchant, owner, item = shop
    written, frozen, fine = (api.member(merchant) for _ in range(3))
    first = queued(client, written, item)
    monkeypatch.setattr(flash, "_run", crash_on_settle(flash._run))
    with pytest.raises(Crash):
        write_all(app, "w1")  # committed, never acknowledged
    monkeypatch.undo()
    tickets = [queued(client, frozen, item), queued(client, fine, item)]
    freeze(app, written, frozen)  # too late for the written order, in time for the next
    assert write_all(app, "w1") == 3  # one batch: the written one comes again
    assert poll(client, written, first).json["status"] == "paid"
    assert poll(client, frozen, tickets[0]).json["error"]["code"] == "MEMBER_FROZEN"
    assert poll(client, fine, tickets[1]).json["status"] == "paid"
    assert len(orders_of(app, item)) == 2 and balance(client, frozen) == 100
    assert redis_stock(app, merchant, item) == 3 == db_stock(client, owner, item)
    assert redis_holds(app, merchant, item) == 0


def crash_on_settle(settle):
    """The flash script, dying when the writer settles its batch (after its commit)."""

    def dies(keys_, *args):
        if args[0] == "settle":
            raise Crash
        return settle(keys_, *args)

    return dies


def freeze(app, *people: dict) -> None:
    with app.app_context():
        db.session.execute(update(Member).where(Member.id.in_([p["id"] for p in people]))
                           .values(status="frozen"))
        db.session.commit()


def test_entries_of_a_dead_writer_are_claimed_by_another(api, client, app, shop, monkeypatch):
    merchant, _owner, item = shop
    buyers = [api.member(merchant) for _ in range(3)]
    for buyer in buyers:
        queued(client, buyer, item)

    def crash(self, entries):
        if entries:  # read, not yet written
            raise Crash
        return 0

    monkeypatch.setattr(flash.Writer, "_write", crash)
    with pytest.raises(Crash):
        write_all(app, "dead")
    monkeypatch.undo()
    assert write_all(app, "alive") == 0  # not idle long enough: maybe alive
    assert write_all(app, "alive", claim_idle=0) == 3
    assert len(orders_of(app, item)) == 3 and backlog(app) == 0
    assert write_all(app, "dead") == 0  # back from the dead: nothing left of its own


def test_reconcile_writes_what_no_writer_took(api, client, app, shop):
    merchant, owner, item = shop
    member = api.member(merchant)
    ticket = queued(client, member, item)
    assert cli(app, "mall", "reconcile")["flash_entries"] == 1
    assert poll(client, member, ticket).json["status"] == "paid"
    assert redis_stock(app, merchant, item) == 4 == db_stock(client, owner, item)


def test_a_queued_hold_outlives_the_grace_of_crashed_requests(api, client, app, clock, shop):
    merchant, owner, item = shop
    member = api.member(merchant)
    queued(client, member, item)
    clock.advance(minutes=30)  # the writer is far behind; staff restock meanwhile
    response = client.post(f"/api/v1/admin/items/{item['id']}/stock",
                           headers=owner["headers"], json={"delta": 5})
    assert response.status_code == 200
    assert redis_stock(app, merchant, item) == 9 and redis_holds(app, merchant, item) == 1
    write_all(app)
    assert redis_stock(app, merchant, item) == 9 == db_stock(client, owner, item)


def test_a_member_firing_20_concurrent_orders_with_a_limit_of_2_gets_2_tickets(
        api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, flash=True,
                       limit_per_member_total=2)
    statuses = run_concurrently(
        lambda _: order(app.test_client(), member, item).status_code, range(20))
    assert Counter(statuses) == {202: 2, 409: 18}
    assert write_all(app) == 2
    assert balance(client, member) == 98 and redis_stock(app, merchant, item) == 8


@pytest.mark.slow
def test_200_members_race_for_50_units_and_a_writer_process_writes_exactly_50(
        api, client, app, gunicorn_url):
    merchant = api.merchant()
    owner = api.staff(merchant)
    item = create_item(client, owner, stock=50, points_price=60, flash=True,
                       limit_per_member_total=1)
    racers = many_members(app, merchant, 200)
    with flask_command(app, "mall", "writer", "--consumer", "race") as writer:
        results = race(gunicorn_url, item["id"], racers)
        wait_until(lambda: backlog(app) == 0, "the writer to drain the stream", timeout=60)
        writer.terminate()  # SIGTERM: it finishes its batch and exits
        assert writer.wait(timeout=30) == 0
    assert Counter((status, code) for _, status, code in results) == {
        (202, None): 50, (409, "OUT_OF_STOCK"): 150}
    written = orders_of(app, item)
    assert len(written) == 50 and len({o.member_id for o in written}) == 50
    assert redis_stock(app, merchant, item) == 0 == db_stock(client, owner, item)
    assert redis_holds(app, merchant, item) == 0
    winners = {o.member_id for o in written}
    assert {balance(client, r) for r in racers if r["id"] in winners} == {40}
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Order)).scalar() == 50
        assert rds.xlen(keys.mall_flash_stream(merchant["id"])) == 0
    assert cli(app, "ledger", "verify") == {"ok": True, "failures": []}
