"""What staff need to fulfil orders: goods need an address, orders and vouchers name the
member, the item and the store."""

from tests.helpers import assert_error
from tests.mall.shop import create_item, order, placed


def test_a_goods_order_without_an_address_is_refused_and_changes_nothing(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    item = create_item(client, owner, type="goods", points_price=10, stock=2)
    for blank in (None, "   "):
        assert_error(order(client, member, item, address=blank), 422, "VALIDATION_ERROR")
    body = client.get(f"/api/v1/admin/items/{item['id']}", headers=owner["headers"]).json
    assert body["stock"] == 2
    assert client.get("/api/v1/me/orders", headers=member["headers"]).json["items"] == []


def test_services_and_coupons_never_keep_an_address(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    for kind in ("service", "coupon"):
        item = create_item(client, owner, type=kind, points_price=10)
        assert placed(client, member, item, address=None)["address"] is None
        assert placed(client, member, item)["address"] is None


def test_staff_see_the_member_card_the_address_and_the_store_of_an_order(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    client.patch("/api/v1/me", headers=member["headers"],
                 json={"nickname": "爱丽丝", "phone": "13800005678"})
    item = create_item(client, owner, type="goods", points_price=10)
    bought = placed(client, member, item, address="上海市静安区南京西路 1 号")
    listed = client.get("/api/v1/admin/orders", headers=owner["headers"]).json["items"][0]
    assert listed["member"] == {"id": member["id"], "nickname": "爱丽丝",
                                "phone_masked": "138****5678", "card_no": member["card_no"]}
    assert listed["address"] == "上海市静安区南京西路 1 号"
    one = client.get(f"/api/v1/admin/orders/{bought['id']}", headers=owner["headers"]).json
    assert one["member"]["nickname"] == "爱丽丝"


def test_a_clerk_confirms_a_voucher_before_writing_it_off(api, client):
    merchant = api.merchant()
    owner, clerk, member = api.staff(merchant), api.staff(merchant, "clerk"), api.member(merchant)
    client.patch("/api/v1/me", headers=member["headers"], json={"nickname": "爱丽丝"})
    item = create_item(client, owner, type="service", title="补水护理", points_price=10)
    bought = placed(client, member, item)
    code = bought["vouchers"][0]["code"]
    seen = client.get(f"/api/v1/admin/vouchers/{code}", headers=clerk["headers"]).json
    assert (seen["status"], seen["item_title"], seen["order_no"], seen["member"]["nickname"]) \
        == ("issued", "补水护理", bought["order_no"], "爱丽丝")
    client.post("/api/v1/admin/vouchers/redeem", headers=clerk["headers"], json={"code": code})
    again = client.get(f"/api/v1/admin/vouchers/{code}", headers=clerk["headers"]).json
    assert again["status"] == "used" and again["used_at"]
    stranger = api.staff(api.merchant(), "clerk")
    assert_error(client.get(f"/api/v1/admin/vouchers/{code}", headers=stranger["headers"]),
                 404, "NOT_FOUND")


def test_members_see_why_an_item_cannot_be_redeemed(api, client, clock):
    merchant = api.merchant()
    owner, member = api.staff(merchant), api.member(merchant)
    kinds = {
        "tier": {"min_tier": "diamond"},
        "sold_out": {"stock": 0},
        "not_started": {"sale_starts_at": "2990-01-01T00:00:00Z"},
        "limit": {"limit_per_member_total": 1},
        None: {},
    }
    made = {reason: create_item(client, owner, type="coupon", points_price=1, **extra)
            for reason, extra in kinds.items()}
    placed(client, member, made["limit"])
    shown = {i["id"]: i for i in client.get("/api/v1/mall/items?limit=100",
                                           headers=member["headers"]).json["items"]}
    assert {reason: shown[item["id"]]["unavailable_reason"] for reason, item in made.items()} \
        == {reason: reason for reason in kinds}
    assert shown[made["tier"]["id"]]["min_tier_name"] == "钻石 Diamond"
