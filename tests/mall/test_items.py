from datetime import UTC, datetime, timedelta

from core.extensions import rds
from tests.helpers import assert_error
from tests.mall.shop import create_item, db_stock, order, placed, redis_stock


def test_staff_create_read_update_and_retire_items_with_an_audit_trail(api, client):
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    item = create_item(client, manager, status="draft", images=["https://cdn.example/a.jpg"],
                       limit_per_member_total=2, min_tier="platinum")
    assert item["status"] == "draft" and item["cash_price_fen"] == 0
    assert item["limit_per_order"] is None and item["min_tier"] == "platinum"
    path = f"/api/v1/admin/items/{item['id']}"
    changed = client.patch(path, headers=manager["headers"],
                           json={"status": "on_sale", "points_price": 80})
    assert changed.status_code == 200, changed.json
    assert changed.json["status"] == "on_sale" and changed.json["points_price"] == 80
    assert changed.json["limit_per_member_total"] == 2  # untouched by a partial update
    assert client.delete(path, headers=manager["headers"]).status_code == 204
    assert client.get(path, headers=manager["headers"]).json["status"] == "off_sale"
    listed = client.get("/api/v1/admin/items", query_string={"status": "off_sale"},
                        headers=manager["headers"]).json
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    actions = [a["action"] for a in client.get(
        "/api/v1/admin/audit", query_string={"target_type": "item"},
        headers=manager["headers"]).json["items"]]
    assert actions == ["item.retire", "item.update", "item.create"]


def test_item_rules_are_validated_with_422(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    starts = datetime(2026, 12, 1, tzinfo=UTC)
    for body, field in (
        ({"sale_starts_at": starts.isoformat(), "sale_ends_at": starts.isoformat()},
         "sale_ends_at"),
        ({"min_tier": "gold"}, "min_tier"),
        ({"type": "vip"}, "type"),
        ({"points_price": 0}, "points_price"),
    ):
        response = client.post("/api/v1/admin/items", headers=owner["headers"], json={
            "title": "x", "type": "goods", "points_price": 1, **body})
        assert field in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    item = create_item(client, owner)
    response = client.patch(f"/api/v1/admin/items/{item['id']}", headers=owner["headers"],
                            json={"stock": 99})
    assert "stock" in assert_error(response, 422, "VALIDATION_ERROR")["details"]


def test_members_see_on_sale_items_with_stock_left_and_their_remaining_limit(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    care = create_item(client, owner, limit_per_member_total=3, points_price=10)
    coupon = create_item(client, owner, type="coupon", category="coupons")
    create_item(client, owner, status="draft")
    placed(client, member, care, 2)
    page = client.get("/api/v1/mall/items", headers=member["headers"]).json
    assert [i["id"] for i in page["items"]] == [coupon["id"], care["id"]]
    seen = page["items"][1]
    assert seen["stock_left"] == 8 and seen["my_remaining_limit"] == 1
    assert page["items"][0]["my_remaining_limit"] is None
    for query, expected in (({"type": "coupon"}, [coupon["id"]]),
                            ({"category": "care"}, [care["id"]])):
        filtered = client.get("/api/v1/mall/items", query_string=query,
                              headers=member["headers"]).json
        assert [i["id"] for i in filtered["items"]] == expected


def test_an_item_change_reaches_redis_before_the_next_order(api, client, app, clock):
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    clock.set(now)
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, points_price=1)
    placed(client, member, item)  # Redis now holds the item
    path = f"/api/v1/admin/items/{item['id']}"
    client.patch(path, headers=owner["headers"], json={"status": "off_sale"})
    assert_error(order(client, member, item), 409, "NOT_ON_SALE")
    client.patch(path, headers=owner["headers"], json={
        "status": "on_sale", "sale_starts_at": (now + timedelta(hours=1)).isoformat()})
    assert_error(order(client, member, item), 409, "NOT_ON_SALE")
    client.patch(path, headers=owner["headers"], json={"sale_starts_at": None,
                                                       "limit_per_order": 1})
    assert order(client, member, item, 2).json["error"]["details"]["limit"] == "limit_per_order"
    placed(client, member, item)
    assert redis_stock(app, merchant, item) == 8


def test_stock_changes_move_redis_and_the_database_together(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, stock=2, points_price=1)
    placed(client, member, item, 2)
    assert_error(order(client, member, item), 409, "OUT_OF_STOCK")
    path = f"/api/v1/admin/items/{item['id']}/stock"
    assert client.post(path, headers=owner["headers"], json={"delta": 5}).json["stock"] == 5
    assert redis_stock(app, merchant, item) == 5
    assert client.post(path, headers=owner["headers"], json={"set": 3}).json["stock"] == 3
    assert redis_stock(app, merchant, item) == 3 and db_stock(client, owner, item) == 3
    assert_error(client.post(path, headers=owner["headers"], json={"delta": -4}),
                 409, "CONFLICT")
    for body in ({}, {"delta": 1, "set": 1}):
        assert_error(client.post(path, headers=owner["headers"], json=body),
                     422, "VALIDATION_ERROR")
    placed(client, member, item, 3)
    assert redis_stock(app, merchant, item) == 0 and db_stock(client, owner, item) == 0
    audit = client.get("/api/v1/admin/audit", query_string={"action": "item.stock"},
                       headers=owner["headers"]).json["items"]
    assert [(a["before"], a["after"]) for a in audit] == [
        ({"stock": 5}, {"stock": 3}), ({"stock": 0}, {"stock": 5})]


def test_a_redis_that_lost_everything_is_loaded_from_the_database(api, client, app):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, stock=3, points_price=1)
    placed(client, member, item, 2)
    with app.app_context():
        rds.flushdb()
    seen = client.get(f"/api/v1/mall/items/{item['id']}", headers=member["headers"]).json
    assert seen["stock_left"] == 1  # from the database while Redis is cold
    placed(client, member, item)
    assert_error(order(client, member, item), 409, "OUT_OF_STOCK")
    assert redis_stock(app, merchant, item) == 0
