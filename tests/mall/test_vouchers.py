from datetime import UTC, datetime, timedelta

from tests.helpers import assert_error, balance, run_concurrently
from tests.mall.shop import create_item, placed


def _redeem(client, staff, code):
    return client.post("/api/v1/admin/vouchers/redeem", headers=staff["headers"],
                       json={"code": code})


def test_a_service_order_issues_one_voucher_per_unit_with_a_qr_code(api, client, clock):
    clock.set(datetime(2026, 11, 24, tzinfo=UTC))
    merchant = api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), type="service", points_price=10)
    body = placed(client, member, item, 2)
    codes = {v["code"] for v in body["vouchers"]}
    assert len(codes) == 2 and all(len(code) >= 12 for code in codes)
    mine = client.get("/api/v1/me/vouchers", headers=member["headers"]).json["items"]
    assert {v["code"] for v in mine} == codes
    voucher = mine[0]
    assert voucher["status"] == "issued" and voucher["order_id"] == body["id"]
    assert voucher["qr_payload"] == f"jifen://voucher/{voucher['code']}"
    assert voucher["expires_at"].startswith("2027-02-22")  # 90 days
    png = client.get(voucher["qr_image_url"], headers=member["headers"])
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")


def test_a_voucher_is_written_off_once_and_the_last_one_completes_the_order(api, client):
    merchant = api.merchant()
    member, clerk = api.member(merchant), api.staff(merchant, "clerk")
    item = create_item(client, api.staff(merchant), type="service", points_price=10)
    body = placed(client, member, item, 2)
    first, second = (v["code"] for v in body["vouchers"])
    used = _redeem(client, clerk, f"jifen://voucher/{first}")  # as scanned
    assert used.status_code == 200 and used.json["status"] == "used"
    assert_error(_redeem(client, clerk, first), 409, "CONFLICT")
    assert_error(client.post(f"/api/v1/mall/orders/{body['id']}/cancel",
                             headers=member["headers"]), 409, "CONFLICT")
    _redeem(client, clerk, second.lower())
    mine = client.get(f"/api/v1/me/orders/{body['id']}", headers=member["headers"]).json
    assert mine["status"] == "completed"
    assert {v["status"] for v in mine["vouchers"]} == {"used"}
    assert_error(_redeem(client, clerk, "NOPE" * 4), 404, "NOT_FOUND")


def test_concurrent_write_offs_of_one_voucher_succeed_once(api, client, app):
    merchant = api.merchant()
    member = api.member(merchant)
    clerks = [api.staff(merchant, "clerk") for _ in range(8)]
    item = create_item(client, api.staff(merchant), type="coupon", points_price=10)
    code = placed(client, member, item)["vouchers"][0]["code"]
    statuses = run_concurrently(
        lambda clerk: _redeem(app.test_client(), clerk, code).status_code, clerks)
    assert sorted(statuses) == [200] + [409] * 7


def test_expired_and_refunded_vouchers_are_refused(api, client, clock):
    clock.set(datetime(2026, 11, 24, tzinfo=UTC))
    merchant = api.merchant()
    owner, member, clerk = api.staff(merchant), api.member(merchant), api.staff(merchant, "clerk")
    item = create_item(client, owner, type="service", points_price=10)
    kept, refunded = placed(client, member, item), placed(client, member, item)
    client.post(f"/api/v1/admin/orders/{refunded['id']}/refund", headers=owner["headers"])
    error = assert_error(_redeem(client, clerk, refunded["vouchers"][0]["code"]),
                         409, "CONFLICT")
    assert error["details"]["status"] == "void"
    clock.advance(days=91)
    error = assert_error(_redeem(client, clerk, kept["vouchers"][0]["code"]), 409, "CONFLICT")
    assert error["details"]["status"] == "expired"
    assert client.get("/api/v1/me/vouchers", headers=member["headers"]).json["items"][1][
        "status"] == "expired"
    assert balance(client, member) == 90


def test_another_merchants_clerk_cannot_write_off_a_voucher(api, client):
    merchant, other = api.merchant(), api.merchant()
    member = api.member(merchant)
    item = create_item(client, api.staff(merchant), type="coupon", points_price=10)
    code = placed(client, member, item)["vouchers"][0]["code"]
    assert_error(_redeem(client, api.staff(other, "clerk"), code), 404, "NOT_FOUND")
    assert_error(_redeem(client, api.staff(merchant, "support"), code), 403, "FORBIDDEN")
    assert client.get("/api/v1/me/vouchers", headers=member["headers"]).json["items"][0][
        "status"] == "issued"


def test_a_voucher_expires_with_the_merchants_validity(api, client, clock):
    start = datetime(2026, 11, 24, tzinfo=UTC)
    clock.set(start)
    merchant = api.merchant()
    owner = api.staff(merchant)
    rules = client.get("/api/v1/admin/rules", headers=owner["headers"]).json["rules"]
    rules["mall"]["voucher_valid_days"] = 7
    client.put("/api/v1/admin/rules", headers=owner["headers"], json=rules)
    item = create_item(client, owner, type="coupon", points_price=10)
    voucher = placed(client, api.member(merchant), item)["vouchers"][0]
    assert voucher["expires_at"].startswith((start + timedelta(days=7)).date().isoformat())
