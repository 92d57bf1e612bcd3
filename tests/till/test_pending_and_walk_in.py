"""Pending points (冻结期) with a moving clock, and walk-in points claimed by a verified phone."""

import pytest

from loyalty.rules import default_rules
from tests.helpers import assert_error, balance, cli, purchase, run_concurrently
from tests.till.counter import order, pay_code, redeem, refund

PHONE = "/api/v1/me/phone"


@pytest.fixture
def pending_merchant(api):
    rules = default_rules()
    rules["earning"]["pending_days"] = 7
    return api.merchant(rules=rules)


def test_purchase_points_wait_out_the_window_then_become_spendable(pending_merchant, api,
                                                                   client, clock, app):
    merchant = pending_merchant
    member = api.member(merchant)
    body = purchase(client, merchant, member, 50_000, order_no="p-1").json
    assert (body["points_earned"], body["pending_points"], body["balance"]) == (500, 500, 100)
    points = client.get("/api/v1/me/points", headers=member["headers"]).json
    assert points["balance"] == 100
    assert [(p["points"], p["order_no"]) for p in points["pending"]] == [(500, "p-1")]
    assert_error(redeem(client, merchant, pay_code(client, member), 200, 100_000), 409,
                 "INSUFFICIENT_POINTS")
    clock.advance(days=6, hours=23)
    assert cli(app, "points", "release") == {"released": 0, "points": 0}
    clock.advance(hours=2)
    assert cli(app, "points", "release") == {"released": 1, "points": 500}
    assert cli(app, "points", "release") == {"released": 0, "points": 0}
    assert balance(client, member) == 600
    assert client.get("/api/v1/me/points", headers=member["headers"]).json["pending"] == []


def test_a_refund_inside_the_window_cancels_pending_points_without_debt(pending_merchant, api,
                                                                        client, clock, app):
    merchant = pending_merchant
    member = api.member(merchant)
    purchase(client, merchant, member, 50_000, order_no="p-2")
    body = refund(client, merchant, "p-2", 20_000).json
    assert (body["points_clawed"], body["debt_added"], body["balance"]) == (200, 0, 100)
    clock.advance(days=8)
    assert cli(app, "points", "release") == {"released": 1, "points": 300}
    after = refund(client, merchant, "p-2", 30_000).json  # after the window: a claw-back
    assert (after["points_clawed"], after["balance"]) == (300, 100)


def test_a_fully_refunded_pending_order_releases_nothing(pending_merchant, api, client,
                                                         clock, app):
    merchant = pending_merchant
    member = api.member(merchant)
    purchase(client, merchant, member, 10_000, order_no="p-3")
    refund(client, merchant, "p-3", 10_000)
    clock.advance(days=8)
    assert cli(app, "points", "release") == {"released": 1, "points": 0}
    assert balance(client, member) == 100


def walk_in(client, merchant, phone, amount_fen, order_no=None):
    return order(client, merchant, {"phone": phone}, amount_fen, order_no=order_no)


def test_a_walk_in_earns_points_held_for_the_phone_and_a_verified_member_claims_them(
        api, client):
    merchant = api.merchant()
    held = walk_in(client, merchant, "13900001111", 30_000, order_no="w-1")
    assert held.status_code == 200, held.json
    assert held.json["held_for_phone"] is True and held.json["points_earned"] == 300
    assert held.json["member_id"] is None
    assert walk_in(client, merchant, "13900001111", 30_000, order_no="w-1").json == held.json
    member = api.member(merchant)
    response = client.post(PHONE, json={"code": "phone-13900001111"}, headers=member["headers"])
    assert response.status_code == 200, response.json
    assert response.json == {"phone_masked": "139****1111", "verified": True,
                             "claimed_points": 300}
    assert balance(client, member) == 400
    again = client.post(PHONE, json={"code": "phone-13900001111"}, headers=member["headers"])
    assert again.json["claimed_points"] == 0 and balance(client, member) == 400
    # now a member: the next purchase by that phone earns to them directly
    assert walk_in(client, merchant, "13900001111", 10_000).json["member_id"] == member["id"]


def test_a_typed_phone_claims_nothing(api, client):
    merchant = api.merchant()
    walk_in(client, merchant, "13900002222", 30_000)
    member = api.member(merchant)
    client.patch("/api/v1/me", json={"phone": "13900002223"}, headers=member["headers"])
    assert balance(client, member) == 100


def test_a_walk_in_claim_races_to_exactly_one_credit(api, app, client):
    merchant = api.merchant()
    walk_in(client, merchant, "13900003333", 30_000)
    walk_in(client, merchant, "13900003333", 20_000)
    first, second = api.member(merchant), api.member(merchant)
    claimers = [first, second] * 4

    def verify(member):
        response = app.test_client().post(PHONE, json={"code": "phone-13900003333"},
                                          headers=member["headers"])
        return response.status_code, response.json["claimed_points"]

    results = run_concurrently(verify, claimers)
    assert {status for status, _ in results} == {200}
    assert sorted(points for _, points in results) == [0] * 7 + [500]
    assert balance(client, first) + balance(client, second) == 100 + 100 + 500


def test_held_points_lapse_after_the_claim_window(api, client, clock):
    merchant = api.merchant()
    walk_in(client, merchant, "13900004444", 30_000)
    clock.advance(days=91)
    member = api.member(merchant)
    body = client.post(PHONE, json={"code": "phone-13900004444"},
                       headers=member["headers"]).json
    assert body["claimed_points"] == 0


def test_a_walk_in_refund_before_the_claim_cancels_the_held_points(api, client):
    merchant = api.merchant()
    walk_in(client, merchant, "13900005555", 30_000, order_no="w-r")
    body = refund(client, merchant, "w-r", 10_000).json
    assert (body["points_clawed"], body["balance"]) == (100, None)
    member = api.member(merchant)
    claimed = client.post(PHONE, json={"code": "phone-13900005555"},
                          headers=member["headers"]).json["claimed_points"]
    assert claimed == 200
    after = refund(client, merchant, "w-r", 20_000).json  # after the claim: a claw-back
    assert after["points_clawed"] == 200 and balance(client, member) == 100


def test_walk_in_points_are_the_merchants_own(api, client):
    merchant, other = api.merchant(), api.merchant()
    walk_in(client, merchant, "13900006666", 30_000)
    stranger = api.member(other)
    body = client.post(PHONE, json={"code": "phone-13900006666"},
                       headers=stranger["headers"]).json
    assert body["claimed_points"] == 0


@pytest.mark.parametrize("code", ["bogus", "phone-12", "phone-abc"])
def test_a_bad_phone_code_is_refused_and_changes_nothing(api, client, code):
    merchant = api.merchant()
    member = api.member(merchant)
    assert_error(client.post(PHONE, json={"code": code}, headers=member["headers"]), 422,
                 "VALIDATION_ERROR")
    assert_error(client.post(PHONE, json={}, headers=member["headers"]), 422,
                 "VALIDATION_ERROR")
    assert client.get("/api/v1/me", headers=member["headers"]).json.get("phone") is None


def test_an_expired_wechat_token_is_refreshed_once_for_the_phone_call(api, client,
                                                                      wechat_server):
    import requests
    merchant = api.merchant()
    member = api.member(merchant)
    requests.post(f"{wechat_server}/_fake/script", json={"endpoint": "phone",
                                                          "errcodes": [40001]}, timeout=5)
    response = client.post(PHONE, json={"code": "phone-13900007777"}, headers=member["headers"])
    assert response.status_code == 200, response.json
    assert response.json["phone_masked"] == "139****7777"


def test_ledger_verify_flags_a_pending_row_that_breaks_the_invariant(pending_merchant, api,
                                                                     client, app):
    from core.extensions import db
    from loyalty import verify
    from till.models import PendingPoints
    member = api.member(pending_merchant)
    purchase(client, pending_merchant, member, 10_000, order_no="p-bad")
    with app.app_context():
        row = db.session.query(PendingPoints).filter_by(order_no="p-bad").one()
        row.status = "released"  # released without its ledger entry
        db.session.commit()
        assert [f["pending_id"] for f in verify.failures()] == [row.id]
        row.status = "pending"
        db.session.commit()
        assert verify.failures() == []
