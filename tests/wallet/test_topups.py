"""Top-ups at the counter and by members, plans, replays and bad input."""

import pytest

from tests.helpers import assert_error, balance, cli, pos_post, run_concurrently
from tests.wallet.purse import (
    TOPUPS,
    Shop,
    counter_topup,
    paid_member_topup,
    statement,
    topped_up,
    wallet,
)


@pytest.fixture
def shop(api):
    return Shop(api)


def test_a_plan_top_up_credits_principal_and_gift_and_bonus_points(shop, client):
    merchant, member = shop["merchant"], shop["member"]
    points_before = balance(client, member)
    answer = topped_up(client, merchant, member, 100_000, plan_code="t1000")
    assert answer["principal_fen"] == 100_000 and answer["gift_fen"] == 10_000
    assert answer["bonus_points"] == 500
    assert answer["wallet"] == {"principal_fen": 100_000, "gift_fen": 10_000}
    assert wallet(client, member) == (100_000, 10_000)
    assert balance(client, member) == points_before + 500
    [entry] = statement(client, member)
    assert entry["type"] == "topup" and entry["balance_after_fen"] == 110_000


def test_a_top_up_without_a_plan_is_all_principal_and_earns_no_points(shop, client):
    points_before = balance(client, shop["member"])
    topped_up(client, shop["merchant"], shop["member"], 5_000)
    assert wallet(client, shop["member"]) == (5_000, 0)
    assert balance(client, shop["member"]) == points_before


def test_the_same_topup_no_credits_once_even_when_sent_together(shop, client, app):
    body = {"topup_no": "same", "member": {"member_id": shop["member"]["id"]},
            "amount_fen": 100_000, "plan_code": "t1000"}

    def send(_):
        return pos_post(app.test_client(), shop["merchant"], TOPUPS, body)

    responses = run_concurrently(send, range(8))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json["topup_id"] for r in responses}) == 1
    assert wallet(client, shop["member"]) == (100_000, 10_000)


BAD_TOPUPS = [
    {"amount_fen": -1}, {"amount_fen": 0}, {"amount_fen": 10**20}, {"amount_fen": "100"},
    {"plan_code": "nope"}, {"plan_code": "t1000", "amount_fen": 99_999}, {"topup_no": ""},
    {"member": None},
]


def test_bad_top_ups_are_refused_and_change_nothing(shop, client):
    for change in BAD_TOPUPS:
        body = {"topup_no": "bad", "member": {"member_id": shop["member"]["id"]},
                "amount_fen": 100_000, **change}
        body = {k: v for k, v in body.items() if v is not None}
        response = pos_post(client, shop["merchant"], TOPUPS, body)
        assert_error(response, 422, "VALIDATION_ERROR")
    assert wallet(client, shop["member"]) == (0, 0)


def test_a_counter_top_up_cannot_reach_another_merchants_member(api, shop, client):
    other = api.member(api.merchant())
    assert_error(counter_topup(client, shop["merchant"], other, 1_000), 404, "NOT_FOUND")
    assert wallet(client, other) == (0, 0)


def test_a_member_top_up_credits_only_once_paid(shop, client):
    member = shop["member"]
    order = client.post("/api/v1/me/wallet/topups", headers=member["headers"],
                        json={"plan_code": "t1000"})
    assert order.status_code == 201 and order.json["status"] == "pending_payment"
    assert wallet(client, member) == (0, 0)
    paid = client.post(f"/api/v1/me/wallet/topups/{order.json['id']}/pay",
                       headers=member["headers"])
    assert paid.json["status"] == "paid"
    again = client.post(f"/api/v1/me/wallet/topups/{order.json['id']}/pay",
                        headers=member["headers"])
    assert again.json["status"] == "paid"
    assert wallet(client, member) == (100_000, 10_000)


def test_an_unpaid_member_top_up_expires_and_credits_nothing(shop, client, clock, app):
    member = shop["member"]
    first = client.post("/api/v1/me/wallet/topups", headers=member["headers"],
                        json={"amount_fen": 2_000}).json
    second = client.post("/api/v1/me/wallet/topups", headers=member["headers"],
                         json={"amount_fen": 3_000}).json
    clock.advance(minutes=16)
    assert cli(app, "wallet", "expire-topups")["expired"] == 2
    late = client.post(f"/api/v1/me/wallet/topups/{first['id']}/pay", headers=member["headers"])
    assert_error(late, 409, "CONFLICT")
    assert_error(client.post(f"/api/v1/me/wallet/topups/{second['id']}/pay",
                             headers=member["headers"]), 409, "CONFLICT")
    assert wallet(client, member) == (0, 0)


def test_paying_after_the_deadline_without_the_job_is_refused_too(shop, client, clock):
    member = shop["member"]
    order = client.post("/api/v1/me/wallet/topups", headers=member["headers"],
                        json={"amount_fen": 2_000}).json
    clock.advance(minutes=15)
    response = client.post(f"/api/v1/me/wallet/topups/{order['id']}/pay",
                           headers=member["headers"])
    assert_error(response, 409, "CONFLICT")
    assert wallet(client, member) == (0, 0)


def test_bad_member_top_ups_are_refused(shop, client):
    for body in ({}, {"amount_fen": 0}, {"amount_fen": 10**20}, {"plan_code": "nope"}):
        response = client.post("/api/v1/me/wallet/topups", headers=shop["member"]["headers"],
                               json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
    assert client.get("/api/v1/me/wallet/topups",
                      headers=shop["member"]["headers"]).json["items"] == []


def test_another_member_cannot_pay_or_refund_my_top_up(api, shop, client):
    order = client.post("/api/v1/me/wallet/topups", headers=shop["member"]["headers"],
                        json={"amount_fen": 2_000}).json
    intruder = api.member(shop["merchant"])
    for action in ("pay", "refund"):
        response = client.post(f"/api/v1/me/wallet/topups/{order['id']}/{action}",
                               headers=intruder["headers"])
        assert_error(response, 404, "NOT_FOUND")
    paid_member_topup(client, intruder, amount_fen=1_000)
    assert wallet(client, shop["member"]) == (0, 0)
