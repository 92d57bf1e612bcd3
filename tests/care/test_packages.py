"""Treatment packages over HTTP: issue from the mall and the counter, write-off, expiry,
refund and extension."""

from datetime import UTC, datetime, timedelta

import requests

from loyalty import expiry, notifications
from tests.care.shop import PACKAGE, package_item, sell, use
from tests.helpers import assert_error, balance, pos_post, run_concurrently
from tests.mall.shop import placed
from tests.till.counter import pay_code


def _mine(client, member):
    return client.get("/api/v1/me/packages", headers=member["headers"]).json["items"]


def test_a_package_item_needs_sessions_and_valid_days(api, client):
    owner = api.staff(api.merchant())
    response = client.post("/api/v1/admin/items", headers=owner["headers"],
                           json={**PACKAGE, "sessions": None, "valid_days": None,
                                 "status": "on_sale"})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(error["details"]) == {"sessions", "valid_days"}
    assert client.get("/api/v1/admin/items", headers=owner["headers"]).json["items"] == []


def test_a_paid_mall_order_issues_one_package_per_unit_with_a_qr_code(api, client, clock):
    clock.set(datetime(2026, 11, 24, tzinfo=UTC))
    merchant = api.merchant()
    member = api.member(merchant)
    item = package_item(client, api.staff(merchant))
    placed(client, member, item, 2)
    mine = _mine(client, member)
    assert len(mine) == 2 and len({p["code"] for p in mine}) == 2
    package = mine[0]
    assert (package["sessions_total"], package["sessions_left"], package["status"]) == (
        3, 3, "active")
    assert package["expires_at"].startswith("2027-05-23")  # 180 days
    assert package["qr_payload"] == f"jifen://package/{package['code']}"
    png = client.get(package["qr_image_url"], headers=member["headers"])
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    other = api.member(merchant)
    assert_error(client.get(package["qr_image_url"], headers=other["headers"]), 404, "NOT_FOUND")


def test_a_counter_sale_issues_a_package_once_and_its_cash_earns_points(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    item = package_item(client, api.staff(merchant))
    first = sell(client, merchant, member, item, amount_fen=30_000, sale_no="S1")
    assert first.status_code == 201, first.json
    assert first.json["points_earned"] == 300 and first.json["price_fen"] == 30_000
    again = sell(client, merchant, member, item, amount_fen=30_000, sale_no="S1")
    assert again.json["code"] == first.json["code"]
    assert len(_mine(client, member)) == 1 and balance(client, member) == 100 + 300


def test_a_counter_sale_refuses_bad_buyers_and_items_and_changes_nothing(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    item = package_item(client, api.staff(merchant))
    path = "/api/v1/pos/packages"
    base = {"sale_no": "S2", "package_code": str(item["id"]), "amount_fen": 100}
    assert_error(pos_post(client, merchant, path, {**base, "pay_code": "1" * 18}),
                 401, "PAY_CODE_INVALID")
    both = {**base, "pay_code": "1" * 18, "member": {"member_id": member["id"]}}
    assert_error(pos_post(client, merchant, path, both), 422, "VALIDATION_ERROR")
    assert_error(pos_post(client, merchant, path, {**base, "amount_fen": -1,
                                                   "member": {"member_id": member["id"]}}),
                 422, "VALIDATION_ERROR")
    unknown = {**base, "package_code": "999999", "member": {"member_id": member["id"]}}
    assert_error(pos_post(client, merchant, path, unknown), 404, "NOT_FOUND")
    assert _mine(client, member) == [] and balance(client, member) == 100


def test_sixteen_concurrent_scans_of_a_three_session_package_take_three(api, client, app):
    merchant = api.merchant()
    clerks = [api.staff(merchant, "clerk") for _ in range(4)]
    item = package_item(client, api.staff(merchant))
    code = sell(client, merchant, api.member(merchant), item).json["code"]
    statuses = run_concurrently(
        lambda n: use(app.test_client(), clerks[n % 4], code, use_no=f"u{n}").status_code,
        range(16))
    assert sorted(statuses) == [201] * 3 + [409] * 13
    owner = api.staff(merchant)
    package = client.get(f"/api/v1/admin/packages/{code}", headers=owner["headers"]).json
    assert package["sessions_left"] == 0 and package["status"] == "used_up"
    assert len(package["uses"]) == 3


def test_a_replayed_use_no_answers_the_first_time_and_takes_one_session(api, client):
    merchant = api.merchant()
    clerk, owner = api.staff(merchant, "clerk"), api.staff(merchant)
    item = package_item(client, owner)
    member = api.member(merchant)
    one, two = (sell(client, merchant, member, item).json["code"] for _ in range(2))
    first = use(client, clerk, f"jifen://package/{one}", use_no="U1", technician_id=owner["id"])
    assert first.status_code == 201 and first.json["sessions_left"] == 2
    assert use(client, clerk, one, use_no="U1").json == first.json
    assert_error(use(client, clerk, two, use_no="U1"), 409, "CONFLICT")
    history = {p["code"]: p for p in _mine(client, member)}
    assert history[one]["sessions_left"] == 2 and history[two]["sessions_left"] == 3
    assert [u["use_no"] for u in history[one]["uses"]] == ["U1"]
    assert history[one]["uses"][0]["technician_id"] == owner["id"]


def test_write_off_input_is_checked_and_nothing_changes(api, client):
    merchant, other = api.merchant(), api.merchant()
    clerk = api.staff(merchant, "clerk")
    code = sell(client, merchant, api.member(merchant),
                package_item(client, api.staff(merchant))).json["code"]
    assert_error(use(client, clerk, code, technician_id=api.staff(other)["id"]),
                 422, "VALIDATION_ERROR")
    assert_error(use(client, clerk, code, store_id=10**9), 404, "NOT_FOUND")
    assert_error(use(client, clerk, "X" * 5), 422, "VALIDATION_ERROR")
    assert_error(use(client, api.staff(other, "clerk"), code), 404, "NOT_FOUND")
    assert_error(use(client, api.staff(merchant, "support"), code), 403, "FORBIDDEN")
    package = client.get(f"/api/v1/admin/packages/{code}", headers=clerk["headers"]).json
    assert package["sessions_left"] == 3


def test_an_expired_package_is_refused_until_a_manager_extends_it(api, client, clock, app):
    clock.set(datetime(2026, 11, 24, tzinfo=UTC))
    merchant = api.merchant()
    clerk, manager = api.staff(merchant, "clerk"), api.staff(merchant, "manager")
    code = sell(client, merchant, api.member(merchant),
                package_item(client, api.staff(merchant))).json["code"]
    clock.advance(days=181)
    error = assert_error(use(client, clerk, code), 409, "CONFLICT")
    assert error["details"]["status"] == "expired"
    later = (datetime(2026, 11, 24, tzinfo=UTC) + timedelta(days=400)).isoformat()
    path = f"/api/v1/admin/packages/{code}/extend"
    assert_error(client.post(path, headers=clerk["headers"], json={"expires_at": later}),
                 403, "FORBIDDEN")
    assert_error(client.post(path, headers=manager["headers"],
                             json={"expires_at": "2026-01-01T00:00:00Z"}),
                 422, "VALIDATION_ERROR")
    extended = client.post(path, headers=manager["headers"], json={"expires_at": later})
    assert extended.status_code == 200 and extended.json["status"] == "active"
    assert use(client, clerk, code).status_code == 201
    audit = client.get("/api/v1/admin/audit", headers=manager["headers"],
                       query_string={"action": "package.extend"}).json["items"]
    assert len(audit) == 1


def test_a_counter_package_refunds_unused_sessions_pro_rata_once(api, client):
    merchant = api.merchant()
    member, manager = api.member(merchant), api.staff(merchant, "manager")
    item = package_item(client, api.staff(merchant))
    code = sell(client, merchant, member, item, amount_fen=1000).json["code"]  # earns 10
    use(client, manager, code)
    path = f"/api/v1/admin/packages/{code}/refund"
    assert_error(client.post(path, headers=api.staff(merchant, "clerk")["headers"]),
                 403, "FORBIDDEN")
    refunded = client.post(path, headers=manager["headers"])
    assert refunded.status_code == 200, refunded.json
    assert (refunded.json["status"], refunded.json["refunded_fen"]) == ("refunded", 666)
    assert balance(client, member) == 100 + 10 - 6  # floor(10 × 666 / 1000) clawed back
    assert client.post(path, headers=manager["headers"]).json == refunded.json
    assert balance(client, member) == 104
    assert_error(use(client, manager, code), 409, "CONFLICT")


def test_a_mall_package_refund_returns_the_unused_share_of_its_points(api, client):
    merchant = api.merchant()
    member, owner = api.member(merchant), api.staff(merchant)
    placed(client, member, package_item(client, owner, points_price=30))
    assert balance(client, member) == 70
    code = _mine(client, member)[0]["code"]
    use(client, owner, code)
    refunded = client.post(f"/api/v1/admin/packages/{code}/refund", headers=owner["headers"])
    assert refunded.json["refunded_points"] == 20 and balance(client, member) == 90


def test_cancelling_a_package_order_voids_its_packages_unless_one_was_used(api, client):
    merchant = api.merchant()
    member, owner = api.member(merchant), api.staff(merchant)
    item = package_item(client, owner, points_price=10)
    kept, used = placed(client, member, item), placed(client, member, item)
    codes = {p["order_id"]: p["code"] for p in _mine(client, member)}
    use(client, owner, codes[used["id"]])
    assert_error(client.post(f"/api/v1/admin/orders/{used['id']}/refund",
                             headers=owner["headers"]), 409, "CONFLICT")
    cancelled = client.post(f"/api/v1/mall/orders/{kept['id']}/cancel",
                            headers=member["headers"])
    assert cancelled.status_code == 200, cancelled.json
    statuses = {p["code"]: p["status"] for p in _mine(client, member)}
    assert statuses[codes[kept["id"]]] == "void" and balance(client, member) == 90


def test_a_package_expiring_within_30_days_is_noticed_once_through_the_outbox(
        api, client, clock, app, wechat_server):
    clock.set(datetime(2026, 11, 24, tzinfo=UTC))
    merchant = api.merchant()
    member = api.member(merchant)
    client.post("/api/v1/me/subscriptions", headers=member["headers"],
                json={"template_id": "expiry-notice"})
    sell(client, merchant, member, package_item(client, api.staff(merchant)), amount_fen=0)
    clock.advance(days=140)  # 40 days left: not yet
    with app.app_context():
        assert expiry.queue_notices() == {"queued": 0}
        clock.advance(days=15)  # 25 days left
        assert expiry.queue_notices() == {"queued": 1}
        assert expiry.queue_notices() == {"queued": 0}
        assert notifications.send_due() == {"sent": 1}
    sent = requests.get(f"{wechat_server}/_fake/messages", timeout=5).json()["messages"]
    assert sent[0]["data"]["thing1"]["value"] == "疗程卡即将到期"
    assert sent[0]["data"]["number2"]["value"] == "3"


def test_a_counter_sale_names_its_buyer_by_the_members_pay_code(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    item = package_item(client, api.staff(merchant))
    response = pos_post(client, merchant, "/api/v1/pos/packages", {
        "sale_no": "S3", "package_code": str(item["id"]), "amount_fen": 30_000,
        "pay_code": pay_code(client, member)})
    assert response.status_code == 201, response.json
    assert len(_mine(client, member)) == 1
