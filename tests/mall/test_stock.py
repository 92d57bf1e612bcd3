from collections import Counter

import pytest
from sqlalchemy.exc import OperationalError

from core import keys
from core.extensions import db, rds
from mall import stock
from tests.helpers import assert_error, balance, cli, run_concurrently
from tests.mall.race import race
from tests.mall.shop import (
    create_item,
    db_stock,
    many_members,
    order,
    placed,
    redis_holds,
    redis_stock,
)


class Crash(BaseException):
    """The worker died here (not an error the app could handle)."""


@pytest.mark.slow
def test_200_members_race_for_10_units_across_processes(api, client, app, gunicorn_url):
    merchant = api.merchant()
    owner = api.staff(merchant)
    item = create_item(client, owner, stock=10, points_price=60)
    racers = many_members(app, merchant, 200)
    results = race(gunicorn_url, item["id"], racers)
    assert Counter((status, code) for _, status, code in results) == {
        (201, None): 10, (409, "OUT_OF_STOCK"): 190}
    assert redis_stock(app, merchant, item) == 0 and db_stock(client, owner, item) == 0
    assert redis_holds(app, merchant, item) == 0
    winners = {member_id for member_id, status, _ in results if status == 201}
    for racer in racers:
        assert balance(client, racer) == (40 if racer["id"] in winners else 100)
    assert cli(app, "ledger", "verify") == {"ok": True, "failures": []}


def test_one_member_with_a_limit_of_2_firing_20_concurrent_orders_gets_exactly_2(
        api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, limit_per_member_total=2)
    statuses = run_concurrently(
        lambda _: order(app.test_client(), member, item).status_code, range(20))
    assert Counter(statuses) == {201: 2, 409: 18}
    assert balance(client, member) == 98 and redis_stock(app, merchant, item) == 8


def test_a_member_whose_points_cover_3_units_firing_10_concurrent_orders_gets_exactly_3(
        api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=30)
    responses = run_concurrently(lambda _: order(app.test_client(), member, item), range(10))
    assert Counter(r.status_code for r in responses) == {201: 3, 409: 7}
    assert {r.json["error"]["code"] for r in responses if r.status_code == 409} == \
        {"INSUFFICIENT_POINTS"}
    assert balance(client, member) == 10
    assert redis_stock(app, merchant, item) == 7 and redis_holds(app, merchant, item) == 0


def test_a_failure_between_the_reservation_and_the_commit_releases_the_reservation(
        api, client, app, monkeypatch):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=10, stock=5, limit_per_member_total=1)

    def lost_connection():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", lost_connection)
    assert_error(order(client, member, item), 503, "SERVICE_UNAVAILABLE")
    monkeypatch.undo()
    assert redis_stock(app, merchant, item) == 5 and redis_holds(app, merchant, item) == 0
    assert balance(client, member) == 100
    placed(client, member, item)  # the member's limit was given back with the units


def test_a_crash_between_the_reservation_and_the_commit_is_repaired_by_reconcile(
        api, client, app, clock, monkeypatch):
    clock.set(clock())
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=10, stock=5, limit_per_member_total=1)

    def crash():
        raise Crash()

    monkeypatch.setattr(db.session, "commit", crash)
    with pytest.raises(Crash):
        order(client, member, item)
    monkeypatch.undo()
    assert redis_stock(app, merchant, item) == 4 and redis_holds(app, merchant, item) == 1
    assert db_stock(client, owner, item) == 5 and balance(client, member) == 100
    assert cli(app, "mall", "reconcile")["repaired"] == []  # a young hold may be in flight
    clock.advance(minutes=10)
    report = cli(app, "mall", "reconcile")
    assert report["repaired"] == [{"merchant_id": merchant["id"], "item_id": item["id"],
                                   "redis_before": 4, "redis_after": 5}]
    assert redis_stock(app, merchant, item) == 5 and redis_holds(app, merchant, item) == 0
    placed(client, member, item)  # and the limit it counted is free again


def test_a_crash_after_the_commit_leaves_the_stock_right_and_reconcile_drops_the_hold(
        api, client, app, clock, monkeypatch):
    clock.set(clock())
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=10, stock=5)

    def crash(_hold):
        raise Crash()

    monkeypatch.setattr(stock, "settle", crash)
    with pytest.raises(Crash):
        order(client, member, item)
    monkeypatch.undo()
    assert balance(client, member) == 90 and redis_holds(app, merchant, item) == 1
    clock.advance(minutes=10)
    assert cli(app, "mall", "reconcile") == {"flash_entries": 0, "items": 1,
                                             "repaired": []}
    assert redis_stock(app, merchant, item) == 4 and db_stock(client, owner, item) == 4
    assert redis_holds(app, merchant, item) == 0


def test_reconcile_rebuilds_redis_stock_that_drifted(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=10, stock=5)
    placed(client, member, item)
    with app.app_context():
        rds.hset(keys.mall_item(merchant["id"], item["id"]), "stock", 40)
    report = cli(app, "mall", "reconcile")
    assert report["repaired"][0]["redis_before"] == 40
    assert redis_stock(app, merchant, item) == 4
