from datetime import UTC, datetime, timedelta

import pytest
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import event

from app import create_app
from core import events
from core.extensions import db, rds
from loyalty.rules import default_rules
from tests.helpers import assert_error, balance, purchase
from tests.mall.shop import ADDRESS, create_item, db_stock, order, placed, redis_stock

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def goods(item: dict) -> dict:
    """An order body for one unit, with the delivery address goods need."""
    return {"item_id": item["id"], "address": ADDRESS}


def test_a_points_only_order_is_paid_at_once_and_debits_the_points(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=30, stock=5)
    body = placed(client, member, item, quantity=2, address="上海市静安区南京西路 1 号")
    assert body["status"] == "paid" and body["points"] == 60 and body["cash_fen"] == 0
    assert body["order_no"] and body["pay_deadline"] is None and body["vouchers"] == []
    assert body["item_title"] == item["title"] and body["quantity"] == 2
    assert balance(client, member) == 40
    entry = client.get("/api/v1/me/points/transactions", headers=member["headers"]).json
    assert entry["items"][0]["type"] == "redeem" and entry["items"][0]["amount"] == -60
    assert entry["items"][0]["ref"] == f"mall_order:{body['order_no']}"
    assert db_stock(client, owner, item) == 3 and redis_stock(app, merchant, item) == 3
    mine = client.get("/api/v1/me/orders", headers=member["headers"]).json
    assert [o["id"] for o in mine["items"]] == [body["id"]] and mine["next_cursor"] is None


def test_a_replayed_idempotency_key_places_one_order(api, client):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant))
    member = api.member(merchant)
    headers = {**member["headers"], "Idempotency-Key": "order-1"}
    first = client.post("/api/v1/mall/orders", headers=headers, json=goods(item))
    again = client.post("/api/v1/mall/orders", headers=headers, json=goods(item))
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert balance(client, member) == 50
    other = client.post("/api/v1/mall/orders", headers=headers,
                        json={"item_id": item["id"], "quantity": 2})
    assert_error(other, 409, "IDEMPOTENCY_CONFLICT")


def test_redis_lost_after_the_order_committed_still_answers_201(api, client, app, monkeypatch):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant))
    member = api.member(merchant)
    headers = {**member["headers"], "Idempotency-Key": "order-1"}

    def down(*_keys):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(app.extensions["jifen.redis"], "delete", down)  # the key's unlock
    first = client.post("/api/v1/mall/orders", headers=headers, json=goods(item))
    monkeypatch.undo()
    assert first.status_code == 201 and balance(client, member) == 50
    again = client.post("/api/v1/mall/orders", headers=headers, json=goods(item))
    assert again.status_code == 201 and again.json == first.json


def test_sale_window_not_open_or_closed_is_409_not_on_sale(api, client, clock):
    clock.set(NOW)
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, sale_starts_at=(NOW + timedelta(hours=2)).isoformat(),
                       sale_ends_at=(NOW + timedelta(hours=3)).isoformat())
    assert_error(order(client, member, item), 409, "NOT_ON_SALE")
    clock.set(NOW + timedelta(hours=2))
    placed(client, member, item)
    clock.set(NOW + timedelta(hours=3))
    assert_error(order(client, member, item), 409, "NOT_ON_SALE")
    draft = create_item(client, owner, status="draft")
    assert_error(order(client, member, draft), 409, "NOT_ON_SALE")
    assert balance(client, member) == 50


def test_a_sold_out_request_is_refused_by_redis_without_touching_the_database(api, client, app):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant), stock=1)
    first, second = api.member(merchant), api.member(merchant)
    placed(client, first, item)
    used = []

    def record(*_args):
        used.append(_args)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine.pool, "checkout", record)  # not even a connection (or its pre-ping)
    try:
        response = order(client, second, item)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine.pool, "checkout", record)
    assert_error(response, 409, "OUT_OF_STOCK")
    assert used == []


def test_insufficient_points_is_409_and_the_reservation_is_released(api, client, app):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant), points_price=120, stock=3)
    member = api.member(merchant)
    assert_error(order(client, member, item), 409, "INSUFFICIENT_POINTS")
    assert redis_stock(app, merchant, item) == 3
    assert balance(client, member) == 100


@pytest.mark.parametrize("action, status, code", [
    ("freeze", 403, "MEMBER_FROZEN"), ("anonymise", 401, "UNAUTHORIZED")])
def test_a_frozen_or_anonymised_member_orders_nothing_and_the_hold_goes_back(
        api, client, app, action, status, code):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner)
    client.post(f"/api/v1/admin/members/{member['id']}/{action}", headers=owner["headers"])
    assert_error(order(client, member, item), status, code)
    # anonymised: the member's tokens are revoked, so no hold is ever taken (nor stock loaded)
    assert redis_stock(app, merchant, item) in (10, None) and db_stock(client, owner, item) == 10
    assert client.get(f"/api/v1/admin/members/{member['id']}",
                      headers=owner["headers"]).json["balance"] == 100


def test_limits_per_order_day_and_lifetime_are_409_limit_exceeded(api, client, clock):
    clock.set(NOW)
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, limit_per_order=2,
                       limit_per_member_day=3, limit_per_member_total=4)
    seen = client.get(f"/api/v1/mall/items/{item['id']}", headers=member["headers"]).json
    assert seen["my_remaining_limit"] == 2
    error = assert_error(order(client, member, item, 3), 409, "LIMIT_EXCEEDED")
    assert error["details"]["limit"] == "limit_per_order"
    placed(client, member, item, 2)
    placed(client, member, item, 1)
    error = assert_error(order(client, member, item, 1), 409, "LIMIT_EXCEEDED")
    assert error["details"]["limit"] == "limit_per_member_day"
    clock.set(NOW + timedelta(hours=14))  # past midnight in Shanghai
    placed(client, member, item, 1)
    error = assert_error(order(client, member, item, 1), 409, "LIMIT_EXCEEDED")
    assert error["details"]["limit"] == "limit_per_member_total"
    seen = client.get(f"/api/v1/mall/items/{item['id']}", headers=member["headers"]).json
    assert seen["my_remaining_limit"] == 0 and seen["stock_left"] == 6
    assert balance(client, member) == 96


def test_limits_hold_after_redis_lost_its_counters(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=1, limit_per_member_total=2)
    placed(client, member, item, 2)
    with app.app_context():
        rds.flushdb()
    error = assert_error(order(client, member, item), 409, "LIMIT_EXCEEDED")
    assert error["details"]["limit"] == "limit_per_member_total"
    assert redis_stock(app, merchant, item) == 8


def test_the_monthly_redemption_cap_is_409_limit_exceeded(api, client, app, clock):
    clock.set(NOW)
    rules = default_rules()
    rules["mall"]["monthly_redeem_cap"] = 80
    merchant = api.merchant(rules=rules)
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=30)
    placed(client, member, item, 2)
    error = assert_error(order(client, member, item), 409, "LIMIT_EXCEEDED")
    assert error["details"]["monthly_redeem_cap"] == 80
    assert redis_stock(app, merchant, item) == 8  # the refused reservation went back
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 December in Shanghai
    placed(client, member, item)
    assert balance(client, member) == 10


def test_tier_only_items_are_refused_below_the_tier(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, min_tier="platinum", points_price=10)
    error = assert_error(order(client, member, item), 403, "FORBIDDEN")
    assert error["details"]["min_tier"] == "platinum"
    assert redis_stock(app, merchant, item) == 10
    purchase(client, merchant, member, 500_000)  # 5000 yuan of growth: platinum
    placed(client, member, item)


def test_redis_down_is_503_and_nothing_is_deducted(api, client, app, monkeypatch):
    merchant = api.merchant()
    item = create_item(client, api.staff(merchant))
    member = api.member(merchant)
    broken = create_app({**app.config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = broken.test_client().post("/api/v1/mall/orders", headers=member["headers"],
                                         json=goods(item))
    assert_error(response, 503, "SERVICE_UNAVAILABLE")

    def down(*_args, **_kwargs):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(Script, "__call__", down)  # past the auth, at the reservation
    assert_error(order(client, member, item), 503, "SERVICE_UNAVAILABLE")
    monkeypatch.undo()
    assert balance(client, member) == 100
    assert client.get("/api/v1/me/orders", headers=member["headers"]).json["items"] == []


def test_the_first_paid_mall_order_is_published_once(api, client, monkeypatch):
    published = []
    monkeypatch.setitem(events._handlers, events.FIRST_MALL_ORDER,
                        [lambda member, source: published.append((member.id, source))])
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=10)
    first = placed(client, member, item)
    placed(client, member, item)
    assert published == [(member["id"], f"mall:{first['order_no']}")]


def test_a_points_and_cash_order_waits_for_payment_then_the_sandbox_pays_it(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), points_price=20, cash_price_fen=990)
    body = placed(client, member, item, 2)
    assert body["status"] == "pending_payment" and body["cash_fen"] == 1980
    assert body["pay_deadline"] and balance(client, member) == 60
    paid = client.post(f"/api/v1/mall/orders/{body['id']}/pay", headers=member["headers"])
    assert paid.status_code == 200 and paid.json["status"] == "paid" and paid.json["paid_at"]
    again = client.post(f"/api/v1/mall/orders/{body['id']}/pay", headers=member["headers"])
    assert again.json["status"] == "paid"


def test_an_unpaid_order_past_its_deadline_is_cancelled_and_points_and_stock_return(
        api, client, app, clock):
    clock.set(NOW)
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=20, cash_price_fen=500, stock=4)
    late, paid_in_time = placed(client, member, item), placed(client, member, item)
    client.post(f"/api/v1/mall/orders/{paid_in_time['id']}/pay", headers=member["headers"])
    clock.advance(minutes=14)
    result = app.test_cli_runner().invoke(args=["mall", "expire-orders"])
    assert result.exit_code == 0 and '"cancelled": 0' in result.output
    clock.advance(minutes=2)
    refused = client.post(f"/api/v1/mall/orders/{late['id']}/pay", headers=member["headers"])
    assert_error(refused, 409, "CONFLICT")
    result = app.test_cli_runner().invoke(args=["mall", "expire-orders"])
    assert result.exit_code == 0 and f'"orders": ["{late["order_no"]}"]' in result.output
    mine = client.get(f"/api/v1/me/orders/{late['id']}", headers=member["headers"]).json
    assert mine["status"] == "cancelled" and mine["cancelled_at"]
    assert balance(client, member) == 80
    assert db_stock(client, owner, item) == 3 and redis_stock(app, merchant, item) == 3


def test_a_member_cancels_before_shipping_and_everything_returns(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=40, limit_per_member_total=1)
    body = placed(client, member, item)
    cancelled = client.post(f"/api/v1/mall/orders/{body['id']}/cancel",
                            headers=member["headers"])
    assert cancelled.json["status"] == "cancelled"
    again = client.post(f"/api/v1/mall/orders/{body['id']}/cancel", headers=member["headers"])
    assert again.status_code == 200 and again.json["status"] == "cancelled"
    assert balance(client, member) == 100
    assert db_stock(client, owner, item) == 10 and redis_stock(app, merchant, item) == 10
    shipped = placed(client, member, item)  # the lifetime limit was given back too
    client.post(f"/api/v1/admin/orders/{shipped['id']}/ship", headers=owner["headers"])
    late = client.post(f"/api/v1/mall/orders/{shipped['id']}/cancel", headers=member["headers"])
    assert_error(late, 409, "CONFLICT")


def test_staff_ship_and_complete_and_illegal_transitions_answer_409(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    goods, coupon = create_item(client, owner), create_item(client, owner, type="coupon")
    body = placed(client, member, goods)
    path = f"/api/v1/admin/orders/{body['id']}"
    shipped = client.post(f"{path}/ship", headers=owner["headers"], json={"tracking_no": "SF1"})
    assert shipped.json["status"] == "shipped" and shipped.json["tracking_no"] == "SF1"
    again = client.post(f"{path}/ship", headers=owner["headers"], json={})
    assert again.status_code == 200 and again.json["tracking_no"] == "SF1"
    assert client.post(f"{path}/complete", headers=owner["headers"]).json["status"] == \
        "completed"
    assert_error(client.post(f"{path}/ship", headers=owner["headers"], json={}),
                 409, "CONFLICT")
    voucher_order = placed(client, member, coupon)
    assert_error(client.post(f"/api/v1/admin/orders/{voucher_order['id']}/ship",
                             headers=owner["headers"], json={}), 409, "CONFLICT")
    listed = client.get("/api/v1/admin/orders", query_string={"status": "completed"},
                        headers=owner["headers"]).json
    assert [o["id"] for o in listed["items"]] == [body["id"]]
    audit = client.get("/api/v1/admin/audit", query_string={"action": "order.ship"},
                       headers=owner["headers"]).json["items"]
    assert audit[0]["before"] == {"status": "paid"}


def test_refund_returns_exactly_the_lots_it_took_and_the_stock(api, client, app, clock):
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)  # lot A: 100, to 2027-01-01
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    purchase(client, merchant, member, 20_000)  # lot B: 200, to 2027-02-01
    item = create_item(client, owner, points_price=250)
    body = placed(client, member, item)  # takes A's 100 and 150 of B
    clock.set(datetime(2027, 1, 15, tzinfo=UTC))  # lot A has expired
    refunded = client.post(f"/api/v1/admin/orders/{body['id']}/refund",
                           headers=owner["headers"])
    assert refunded.json["status"] == "refunded"
    points = client.get("/api/v1/me/points", headers=member["headers"]).json
    assert points["balance"] == 200
    assert [(e["points"], e["expires_at"][:10]) for e in points["expiring"]] == \
        [(200, "2027-02-01")]
    assert db_stock(client, owner, item) == 10 and redis_stock(app, merchant, item) == 10
    again = client.post(f"/api/v1/admin/orders/{body['id']}/refund", headers=owner["headers"])
    assert again.status_code == 200 and balance(client, member) == 200


def test_members_only_reach_their_own_orders(api, client):
    merchant = api.merchant()
    owner, member, other = api.staff(merchant), api.member(merchant), api.member(merchant)
    item = create_item(client, owner, cash_price_fen=100, type="service")
    body = placed(client, member, item)
    for method, path in (("get", f"/api/v1/me/orders/{body['id']}"),
                         ("post", f"/api/v1/mall/orders/{body['id']}/pay"),
                         ("post", f"/api/v1/mall/orders/{body['id']}/cancel")):
        assert_error(getattr(client, method)(path, headers=other["headers"]), 404, "NOT_FOUND")
    assert client.get("/api/v1/me/orders", headers=other["headers"]).json["items"] == []
    client.post(f"/api/v1/mall/orders/{body['id']}/pay", headers=member["headers"])
    code = client.get("/api/v1/me/vouchers", headers=member["headers"]).json["items"][0]["code"]
    assert client.get("/api/v1/me/vouchers", headers=other["headers"]).json["items"] == []
    assert_error(client.get(f"/api/v1/me/vouchers/{code}/qr.png", headers=other["headers"]),
                 404, "NOT_FOUND")
    assert client.get(f"/api/v1/me/orders/{body['id']}", headers=member["headers"]).json[
        "status"] == "paid"


def test_tenants_never_see_or_order_each_others_items_and_orders(api, client, app):
    a, b = api.merchant(), api.merchant()
    a_owner, b_owner = api.staff(a), api.staff(b)
    a_member, b_member = api.member(a), api.member(b)
    b_item = create_item(client, b_owner)
    b_order = placed(client, b_member, b_item)
    assert_error(order(client, a_member, b_item), 404, "NOT_FOUND")
    assert_error(client.get(f"/api/v1/mall/items/{b_item['id']}", headers=a_member["headers"]),
                 404, "NOT_FOUND")
    assert client.get("/api/v1/mall/items", headers=a_member["headers"]).json["items"] == []
    assert client.get("/api/v1/admin/items", headers=a_owner["headers"]).json["items"] == []
    assert client.get("/api/v1/admin/orders", headers=a_owner["headers"]).json["items"] == []
    for path in (f"/api/v1/admin/orders/{b_order['id']}/refund",
                 f"/api/v1/admin/items/{b_item['id']}/stock"):
        response = client.post(path, headers=a_owner["headers"], json={"delta": 5})
        assert_error(response, 404, "NOT_FOUND")
    assert db_stock(client, b_owner, b_item) == 9 and redis_stock(app, b, b_item) == 9
    assert balance(client, b_member) == 50
