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
