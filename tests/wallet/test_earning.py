"""Wallet payments at the counter earn points like cash; their refunds take them back."""

import marshmallow as ma
import pytest

from loyalty.rules import RulesSchema, default_rules
from tests.helpers import balance, pos_post, purchase, run_concurrently
from tests.wallet.purse import (
    PAYMENTS,
    pay,
    pay_code,
    refund_payment,
    set_wallet_rules,
)
from wallet.earning import claw_for


def test_old_rules_without_the_setting_earn_on_the_principal_and_bad_values_are_refused():
    document = default_rules()
    del document["wallet"]["earn_on_payment"]
    assert RulesSchema().load(document)["wallet"]["earn_on_payment"] == "principal"
    document["wallet"]["earn_on_payment"] = "gift"
    with pytest.raises(ma.ValidationError):
        RulesSchema().load(document)


def test_claw_backs_add_up_to_exactly_the_points_earned():
    first = claw_for(100, 11_000, 3_333, 0)
    assert first == 30 and claw_for(100, 11_000, 11_000, first) == 70


def test_the_principal_part_earns_and_the_gift_part_does_not(shop, client):
    body = pay(client, shop["merchant"], shop["member"], 11_000).json
    assert (body["principal_fen"], body["gift_fen"], body["points_earned"]) == (10_000, 1_000, 100)
    assert balance(client, shop["member"]) == shop["start"] + 100


def test_the_tier_multiplier_applies(shop, client):
    purchase(client, shop["merchant"], shop["member"], 500_000)  # growth 5000: platinum
    before = balance(client, shop["member"])
    assert pay(client, shop["merchant"], shop["member"], 11_000).json["points_earned"] == 120
    assert balance(client, shop["member"]) == before + 120


@pytest.mark.parametrize(("rule", "points"), [("all", 110), ("none", 0)])
def test_the_rule_decides_which_part_earns(shop, client, app, rule, points):
    set_wallet_rules(app, shop["merchant"], earn_on_payment=rule)
    assert pay(client, shop["merchant"], shop["member"], 11_000).json["points_earned"] == points
    assert balance(client, shop["member"]) == shop["start"] + points


def test_a_replayed_payment_earns_once(shop, client):
    body = {"payment_no": "once", "pay_code": pay_code(client, shop["member"]),
            "amount_fen": 11_000}
    first = pos_post(client, shop["merchant"], PAYMENTS, body)
    again = pos_post(client, shop["merchant"], PAYMENTS, body)
    assert first.json == again.json and again.json["points_earned"] == 100
    assert balance(client, shop["member"]) == shop["start"] + 100


def test_a_partial_then_full_refund_takes_back_exactly_what_was_earned(shop, client):
    payment_no = pay(client, shop["merchant"], shop["member"], 11_000).json["payment_no"]
    part = refund_payment(client, shop["merchant"], payment_no, 3_333)
    assert part.status_code == 201, part.json
    assert part.json["points_clawed"] == 30
    rest = refund_payment(client, shop["merchant"], payment_no, 7_667, refund_no="r-rest")
    again = refund_payment(client, shop["merchant"], payment_no, 7_667, refund_no="r-rest")
    assert rest.json["points_clawed"] == 70 and again.json == rest.json
    assert balance(client, shop["member"]) == shop["start"]


def test_a_refund_after_the_points_were_spent_becomes_debt(shop, client, api):
    payment_no = pay(client, shop["merchant"], shop["member"], 11_000).json["payment_no"]
    support = api.staff(shop["merchant"], "support")
    spend = client.post(f"/api/v1/admin/members/{shop['member']['id']}/adjustments",
                        headers=support["headers"],
                        json={"delta": -(shop["start"] + 60), "reason_code": "correction"})
    assert spend.status_code == 201, spend.json
    refund = refund_payment(client, shop["merchant"], payment_no, 11_000)
    assert refund.status_code == 201 and refund.json["points_clawed"] == 100
    points = client.get("/api/v1/me/points", headers=shop["member"]["headers"]).json
    assert points["balance"] == 0 and points["debt"] == 60


def test_concurrent_refunds_of_one_payment_take_back_exactly_what_was_earned(shop, client, app):
    payment_no = pay(client, shop["merchant"], shop["member"], 11_000).json["payment_no"]

    def send(n):
        return refund_payment(app.test_client(), shop["merchant"], payment_no, 1_100).json

    answers = run_concurrently(send, range(10))
    assert sum(answer["points_clawed"] for answer in answers) == 100
    assert balance(client, shop["member"]) == shop["start"]
