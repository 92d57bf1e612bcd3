import json
import time

from tests.helpers import (
    assert_error,
    balance,
    pos_headers,
    pos_post,
    purchase,
    run_concurrently,
)


def test_a_purchase_earns_floor_of_yuan_times_rate(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    response = purchase(client, merchant, member, 12_399)
    assert response.status_code == 200, response.json
    assert response.json["points_earned"] == 123
    assert response.json["balance"] == 100 + 123
    assert balance(client, member) == 223


def test_members_are_found_by_card_number_or_phone(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    client.patch("/api/v1/me", json={"phone": "13800138000"}, headers=member["headers"])
    for key in ({"card_no": member["card_no"]}, {"phone": "13800138000"}):
        body = {"order_no": f"o-{key}", "member": key, "amount_fen": 1000,
                "paid_at": "2026-11-24T10:00:00+08:00"}
        assert pos_post(client, merchant, "/api/v1/pos/orders", body).json["member_id"] == \
            member["id"]
    unknown = {"order_no": "o-x", "member": {"card_no": "nope"}, "amount_fen": 1,
               "paid_at": "2026-11-24T10:00:00+08:00"}
    assert_error(pos_post(client, merchant, "/api/v1/pos/orders", unknown), 404, "NOT_FOUND")


def test_the_same_order_sent_by_50_threads_credits_once_with_identical_answers(api, app):
    merchant = api.merchant()
    member = api.member(merchant)

    def send(_):
        response = purchase(app.test_client(), merchant, member, 50_000, order_no="dup-1")
        return response.status_code, response.json

    results = run_concurrently(send, range(50))
    assert {status for status, _ in results} == {200}
    assert all(body == results[0][1] for _, body in results)
    assert results[0][1]["points_earned"] == 500
    assert balance(app.test_client(), member) == 600


def test_50_distinct_concurrent_orders_credit_the_exact_total(api, app):
    merchant = api.merchant()
    member = api.member(merchant)
    results = run_concurrently(
        lambda n: purchase(app.test_client(), merchant, member, 1_000 + n,
                           order_no=f"distinct-{n}").status_code, range(50))
    assert results == [200] * 50
    expected = 100 + sum((1_000 + n) // 100 for n in range(50))
    assert balance(app.test_client(), member) == expected


def test_best_single_multiplier_applies_not_the_product(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    owner = api.staff(merchant, "owner")
    client.patch("/api/v1/me", json={"birthday": time.strftime("%Y-%m-01")},
                 headers=member["headers"])  # birthday month: starlight gets ×1.5
    client.post("/api/v1/admin/campaigns", headers=owner["headers"], json={
        "name": "双十一", "multiplier": "2.00", "starts_at": "2020-01-01T00:00:00Z",
        "ends_at": "2099-01-01T00:00:00Z"})
    client.post("/api/v1/admin/campaigns", headers=owner["headers"], json={
        "name": "Skin care only", "multiplier": "3.00", "categories": ["skincare"],
        "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"})
    assert purchase(client, merchant, member, 10_000).json["points_earned"] == 200
    assert purchase(client, merchant, member, 10_000,
                    category="skincare").json["points_earned"] == 300


def test_refund_claws_back_in_proportion_once_per_refund_no(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    purchase(client, merchant, member, 10_000, order_no="r-1")
    refund = {"order_no": "r-1", "refund_no": "rf-1", "amount_fen": 2_500}
    first = pos_post(client, merchant, "/api/v1/pos/refunds", refund)
    again = pos_post(client, merchant, "/api/v1/pos/refunds", refund)
    assert first.status_code == 200 and first.json == again.json
    assert first.json["points_clawed"] == 25
    assert balance(client, member) == 100 + 100 - 25
    too_much = {"order_no": "r-1", "refund_no": "rf-2", "amount_fen": 8_000}
    assert_error(pos_post(client, merchant, "/api/v1/pos/refunds", too_much), 409, "CONFLICT")
    assert balance(client, member) == 175


def test_refund_after_the_points_were_spent_becomes_debt_repaid_by_the_next_purchase(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support = api.staff(merchant, "support")
    purchase(client, merchant, member, 30_000, order_no="spent-1")  # +300 → 400
    spend = client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                        headers=support["headers"],
                        json={"delta": -350, "reason_code": "correction"})
    assert spend.status_code == 201, spend.json
    refund = pos_post(client, merchant, "/api/v1/pos/refunds",
                      {"order_no": "spent-1", "refund_no": "rf-s", "amount_fen": 30_000}).json
    assert refund["points_clawed"] == 50 and refund["debt_added"] == 250
    assert refund["balance"] == 0
    points = client.get("/api/v1/me/points", headers=member["headers"]).json
    assert points["balance"] == 0 and points["debt"] == 250
    purchase(client, merchant, member, 40_000)  # +400, of which 250 repay the debt
    points = client.get("/api/v1/me/points", headers=member["headers"]).json
    assert points["balance"] == 150 and points["debt"] == 0


def test_bad_signature_stale_timestamp_replayed_nonce_and_unknown_key_are_401(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    body = {"order_no": "sig-1", "member": {"member_id": member["id"]}, "amount_fen": 10_000,
            "paid_at": "2026-11-24T10:00:00+08:00"}
    path = "/api/v1/pos/orders"
    cases = [
        {"secret": "wrong-secret"},
        {"timestamp": int(time.time()) - 301},
        {"timestamp": int(time.time()) + 301},
    ]
    for signing in cases:
        assert_error(pos_post(client, merchant, path, body, **signing), 401, "UNAUTHORIZED")
    assert_error(pos_post(client, {**merchant, "pos_key_id": "pk_unknown"}, path, body),
                 401, "UNAUTHORIZED")
    assert pos_post(client, merchant, path, body, nonce="nonce-once-0001").status_code == 200
    replay = pos_post(client, merchant, path, {**body, "order_no": "sig-2"},
                      nonce="nonce-once-0001")
    assert_error(replay, 401, "UNAUTHORIZED")
    assert client.post(path, json=body).status_code == 401
    assert balance(client, member) == 200


def test_a_frozen_member_earns_nothing(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    manager = api.staff(merchant, "manager")
    client.post(f"/api/v1/admin/members/{member['id']}/freeze", headers=manager["headers"])
    assert_error(purchase(client, merchant, member, 10_000), 403, "MEMBER_FROZEN")
    assert balance(client, member) == 100


def test_pos_cannot_credit_another_merchants_member(api, client):
    mine, theirs = api.merchant(), api.merchant()
    stranger = api.member(theirs)
    assert_error(purchase(client, mine, stranger, 10_000), 404, "NOT_FOUND")
    assert balance(client, stranger) == 100


def test_invalid_pos_bodies_are_422(api, client):
    merchant = api.merchant()
    response = pos_post(client, merchant, "/api/v1/pos/orders",
                        {"order_no": "", "member": {}, "amount_fen": -1, "paid_at": "yesterday"})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert {"order_no", "member", "amount_fen", "paid_at"} <= set(error["details"])


def test_an_idempotency_key_reused_for_another_order_is_409_and_credits_nothing(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    path = "/api/v1/pos/orders"

    def send(order_no):
        body = json.dumps({"order_no": order_no, "member": {"member_id": member["id"]},
                           "amount_fen": 5_000, "paid_at": "2026-11-24T10:00:00+08:00"}).encode()
        return client.post(path, data=body, headers={
            **pos_headers(merchant, path, body), "Idempotency-Key": "till-7-receipt-1"})

    first, replay = send("o-first"), send("o-first")
    assert first.status_code == replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json == first.json
    assert_error(send("o-second"), 409, "IDEMPOTENCY_CONFLICT")
    assert balance(client, member) == 150
