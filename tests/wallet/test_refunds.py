"""Refunds of top-ups (法释〔2025〕4号): 7 days unused, later, approval by a second person."""

import pytest

from tests.helpers import assert_error, balance, purchase, run_concurrently
from tests.mall.shop import create_item, placed
from tests.wallet.purse import (
    Shop,
    paid_member_topup,
    pay,
    set_wallet_rules,
    statement,
    topped_up,
    wallet,
)


@pytest.fixture
def shop(api):
    return Shop(api)


def ask(client, member, topup_id):
    return client.post(f"/api/v1/me/wallet/topups/{topup_id}/refund", headers=member["headers"])


def test_within_seven_days_unused_everything_goes_back(shop, client, clock):
    member = shop["member"]
    points_before = balance(client, member)
    topup = paid_member_topup(client, member, plan_code="t1000")
    clock.advance(days=6, hours=23)
    response = ask(client, member, topup["id"])
    assert response.status_code == 201, response.json
    refund = response.json
    assert refund["kind"] == "cooling_off" and refund["status"] == "applied"
    assert (refund["principal_fen"], refund["gift_fen"]) == (100_000, 10_000)
    assert refund["method"] == "provider"
    assert wallet(client, member) == (0, 0)
    assert balance(client, member) == points_before
    entries = statement(client, member)
    assert [(e["type"], e["principal_fen"], e["gift_fen"]) for e in entries[:2]] == [
        ("gift_forfeit", 0, -10_000), ("topup_refund", -100_000, 0)]


def test_bonus_points_already_spent_become_points_debt(shop, client):
    member = shop["member"]
    topup = topped_up(client, shop["merchant"], member, 100_000, plan_code="t1000")
    item = create_item(client, shop["manager"], points_price=balance(client, member), stock=1)
    placed(client, member, item)
    assert balance(client, member) == 0
    refund = ask(client, member, topup["topup_id"]).json
    assert refund["status"] == "applied" and refund["points_debt"] == 500
    assert client.get("/api/v1/me/points", headers=member["headers"]).json["debt"] == 500
    purchase(client, shop["merchant"], member, 20_000)  # 200 points repay debt first
    assert balance(client, member) == 0


def test_a_used_top_up_refunds_only_the_unused_principal_and_forfeits_its_gift(shop, client):
    member = shop["member"]
    topup = topped_up(client, shop["merchant"], member, 100_000, plan_code="t1000")
    assert pay(client, shop["merchant"], member, 99_000).status_code == 201  # 90,000 + 9,000
    refund = ask(client, member, topup["topup_id"]).json
    assert refund["kind"] == "unused_principal" and refund["status"] == "applied"
    assert (refund["principal_fen"], refund["gift_fen"]) == (10_000, 1_000)
    assert wallet(client, member) == (0, 0)


def test_after_seven_days_the_unused_principal_needs_a_second_person_above_the_threshold(
        shop, client, clock, app):
    set_wallet_rules(app, shop["merchant"], refund_approval_fen=50_000)
    member, clerk = shop["member"], shop["clerk"]
    topup = topped_up(client, shop["merchant"], member, 100_000, plan_code="t1000")
    clock.advance(days=8)
    asked = client.post(f"/api/v1/admin/wallet/topups/{topup['topup_id']}/refund",
                        headers=clerk["headers"], json={"method": "cash"})
    assert asked.status_code == 201, asked.json
    assert asked.json["status"] == "pending_approval" and asked.json["kind"] == "unused_principal"
    assert wallet(client, member) == (100_000, 10_000)
    assert_error(ask(client, member, topup["topup_id"]), 409, "CONFLICT")  # already asked
    queue = client.get("/api/v1/admin/wallet/refunds?status=pending_approval",
                       headers=shop["manager"]["headers"]).json["items"]
    assert [r["id"] for r in queue] == [asked.json["id"]]
    approved = client.post(f"/api/v1/admin/wallet/refunds/{asked.json['id']}/approve",
                           headers=shop["manager"]["headers"])
    assert approved.status_code == 200 and approved.json["status"] == "applied"
    assert approved.json["approved_by"] == shop["manager"]["id"]
    assert wallet(client, member) == (0, 0)
    audit = client.get("/api/v1/admin/audit?target_type=wallet_refund",
                       headers=shop["manager"]["headers"]).json["items"]
    assert {a["action"] for a in audit} == {"wallet_refund.request", "wallet_refund.approve"}


def test_the_requester_can_neither_approve_nor_reject_their_own_refund(shop, client, clock,
                                                                      app):
    set_wallet_rules(app, shop["merchant"], refund_approval_fen=0)
    manager = shop["manager"]
    topup = topped_up(client, shop["merchant"], shop["member"], 20_000)
    clock.advance(days=10)
    asked = client.post(f"/api/v1/admin/wallet/topups/{topup['topup_id']}/refund",
                        headers=manager["headers"], json={}).json
    for action in ("approve", "reject"):
        response = client.post(f"/api/v1/admin/wallet/refunds/{asked['id']}/{action}",
                               headers=manager["headers"])
        assert_error(response, 403, "FORBIDDEN")
    assert wallet(client, shop["member"]) == (20_000, 0)
    rejected = client.post(f"/api/v1/admin/wallet/refunds/{asked['id']}/reject",
                           headers=shop["manager2"]["headers"])
    assert rejected.json["status"] == "rejected"
    assert wallet(client, shop["member"]) == (20_000, 0)
    assert_error(client.post(f"/api/v1/admin/wallet/refunds/{asked['id']}/approve",
                             headers=shop["manager2"]["headers"]), 409, "CONFLICT")
    again = ask(client, shop["member"], topup["topup_id"])  # rejected: may ask again
    assert again.json["status"] == "pending_approval"


def test_a_clerk_cannot_approve_refunds(shop, client, clock, app):
    set_wallet_rules(app, shop["merchant"], refund_approval_fen=0)
    topup = topped_up(client, shop["merchant"], shop["member"], 20_000)
    clock.advance(days=10)
    asked = ask(client, shop["member"], topup["topup_id"]).json
    response = client.post(f"/api/v1/admin/wallet/refunds/{asked['id']}/approve",
                           headers=shop["clerk"]["headers"])
    assert_error(response, 403, "FORBIDDEN")
    assert wallet(client, shop["member"]) == (20_000, 0)


def test_a_refunded_top_up_cannot_be_refunded_twice(shop, client):
    topup = paid_member_topup(client, shop["member"], amount_fen=5_000)
    assert ask(client, shop["member"], topup["id"]).status_code == 201
    assert_error(ask(client, shop["member"], topup["id"]), 409, "CONFLICT")
    assert wallet(client, shop["member"]) == (0, 0)


def test_nothing_left_to_refund_is_a_conflict(shop, client):
    topup = topped_up(client, shop["merchant"], shop["member"], 5_000)
    pay(client, shop["merchant"], shop["member"], 5_000)
    assert_error(ask(client, shop["member"], topup["topup_id"]), 409, "CONFLICT")


def test_another_merchants_staff_cannot_refund_or_approve(api, shop, client):
    topup = topped_up(client, shop["merchant"], shop["member"], 5_000)
    outsider = api.staff(api.merchant(), "owner")
    response = client.post(f"/api/v1/admin/wallet/topups/{topup['topup_id']}/refund",
                           headers=outsider["headers"], json={})
    assert_error(response, 404, "NOT_FOUND")
    assert wallet(client, shop["member"]) == (5_000, 0)


def test_concurrent_refund_requests_refund_a_top_up_once(shop, client, app):
    topup = paid_member_topup(client, shop["member"], plan_code="t1000")
    member = shop["member"]

    def send(_):
        return ask(app.test_client(), member, topup["id"]).status_code

    statuses = run_concurrently(send, range(8))
    assert statuses.count(201) == 1 and statuses.count(409) == 7
    assert wallet(client, member) == (0, 0)


def test_a_counter_top_up_with_a_long_number_is_refunded_through_the_provider(shop, client):
    topup = topped_up(client, shop["merchant"], shop["member"], 5_000, topup_no="n" * 64)
    response = client.post(f"/api/v1/admin/wallet/topups/{topup['topup_id']}/refund",
                           headers=shop["manager"]["headers"], json={"method": "provider"})
    assert response.status_code == 201, response.json
    assert response.json["method"] == "provider" and response.json["status"] == "applied"
    assert wallet(client, shop["member"]) == (0, 0)
