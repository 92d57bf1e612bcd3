"""Paying from the wallet by pay code at the counter, and refunds of those payments."""

import pytest

from core.errors import InsufficientFunds
from core.extensions import db
from core.models import Merchant
from tests.helpers import assert_error, pos_post, run_concurrently
from tests.wallet.purse import (
    PAYMENTS,
    REFUNDS,
    pay,
    pay_code,
    refund_payment,
    set_wallet_rules,
    statement,
    wallet,
)
from wallet import payments


def test_a_payment_takes_principal_and_gift_in_proportion(shop, client):
    response = pay(client, shop["merchant"], shop["member"], 1_000)
    assert response.status_code == 201, response.json
    assert response.json["principal_fen"] == 909 and response.json["gift_fen"] == 91
    assert response.json["wallet"] == {"principal_fen": 99_091, "gift_fen": 9_909}
    assert wallet(client, shop["member"]) == (99_091, 9_909)
    assert statement(client, shop["member"])[0]["type"] == "payment"


@pytest.mark.parametrize(("order", "parts"), [("gift_first", (0, 1_000)),
                                              ("principal_first", (1_000, 0))])
def test_the_spend_order_is_configurable(shop, client, app, order, parts):
    set_wallet_rules(app, shop["merchant"], spend_order=order)
    body = pay(client, shop["merchant"], shop["member"], 1_000).json
    assert (body["principal_fen"], body["gift_fen"]) == parts


def test_a_short_wallet_is_refused_and_the_pay_code_stays_usable(shop, client):
    code = pay_code(client, shop["member"])
    short = pos_post(client, shop["merchant"], PAYMENTS,
                     {"payment_no": "big", "pay_code": code, "amount_fen": 110_001})
    assert_error(short, 409, "INSUFFICIENT_FUNDS")
    assert wallet(client, shop["member"]) == (100_000, 10_000)
    ok = pos_post(client, shop["merchant"], PAYMENTS,
                  {"payment_no": "fits", "pay_code": code, "amount_fen": 110_000})
    assert ok.status_code == 201 and ok.json["wallet"] == {"principal_fen": 0, "gift_fen": 0}


def test_a_replayed_payment_no_answers_as_the_first_time_and_pays_once(shop, client):
    code = pay_code(client, shop["member"])
    body = {"payment_no": "once", "pay_code": code, "amount_fen": 5_000}
    first = pos_post(client, shop["merchant"], PAYMENTS, body)
    again = pos_post(client, shop["merchant"], PAYMENTS, body)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert sum(wallet(client, shop["member"])) == 105_000


def test_a_used_or_unknown_pay_code_is_refused(shop, client):
    code = pay_code(client, shop["member"])
    assert pos_post(client, shop["merchant"], PAYMENTS, {
        "payment_no": "a", "pay_code": code, "amount_fen": 100}).status_code == 201
    used = pos_post(client, shop["merchant"], PAYMENTS,
                    {"payment_no": "b", "pay_code": code, "amount_fen": 100})
    assert_error(used, 401, "PAY_CODE_INVALID")
    unknown = pos_post(client, shop["merchant"], PAYMENTS,
                       {"payment_no": "c", "pay_code": "1" * 18, "amount_fen": 100})
    assert_error(unknown, 401, "PAY_CODE_INVALID")
    assert sum(wallet(client, shop["member"])) == 110_000 - 100


def test_another_merchants_pos_cannot_charge_the_wallet(api, shop, client):
    thief = api.merchant()
    code = pay_code(client, shop["member"])
    response = pos_post(client, thief, PAYMENTS,
                        {"payment_no": "x", "pay_code": code, "amount_fen": 100})
    assert_error(response, 401, "PAY_CODE_INVALID")
    assert wallet(client, shop["member"]) == (100_000, 10_000)


def test_bad_payment_amounts_are_refused_and_change_nothing(shop, client):
    code = pay_code(client, shop["member"])
    for amount in (-1, 0, 10**20, "5", None):
        body = {"payment_no": "bad", "pay_code": code, "amount_fen": amount}
        assert_error(pos_post(client, shop["merchant"], PAYMENTS,
                              {k: v for k, v in body.items() if v is not None}),
                     422, "VALIDATION_ERROR")
    assert wallet(client, shop["member"]) == (100_000, 10_000)


def test_sixteen_concurrent_payments_never_overdraw_the_wallet(shop, client, app):
    """Each pays 8,000 of 110,000: at most 13 fit; the wallet never goes negative."""
    merchant_id, member_id = shop["merchant"]["id"], shop["member"]["id"]

    def pay_once(n):
        with app.app_context():
            merchant = db.session.get(Merchant, merchant_id)
            try:
                payments.pay(merchant, payment_no=f"race-{n}", payer=lambda: member_id,
                             amount_fen=8_000)
                return True
            except InsufficientFunds:
                return False

    results = run_concurrently(pay_once, range(16))
    principal, gift = wallet(client, shop["member"])
    assert results.count(True) == 13
    assert principal >= 0 and gift >= 0 and principal + gift == 110_000 - 13 * 8_000


def test_concurrent_payments_with_one_pay_code_let_exactly_one_through(shop, client, app):
    code = pay_code(client, shop["member"])

    def send(n):
        return pos_post(app.test_client(), shop["merchant"], PAYMENTS,
                        {"payment_no": f"one-code-{n}", "pay_code": code, "amount_fen": 1_000})

    statuses = [r.status_code for r in run_concurrently(send, range(16))]
    assert statuses.count(201) == 1 and statuses.count(401) == 15
    assert sum(wallet(client, shop["member"])) == 109_000


def test_partial_refunds_return_exactly_the_parts_the_payment_took(shop, client):
    paid = pay(client, shop["merchant"], shop["member"], 1_001).json
    parts = []
    for amount in (333, 333, 335):
        response = refund_payment(client, shop["merchant"], paid["payment_no"], amount)
        assert response.status_code == 201, response.json
        parts.append((response.json["principal_fen"], response.json["gift_fen"]))
    assert sum(p for p, _ in parts) == paid["principal_fen"]
    assert sum(g for _, g in parts) == paid["gift_fen"]
    assert wallet(client, shop["member"]) == (100_000, 10_000)


def test_a_refund_beyond_the_payment_is_refused_and_a_replay_answers_once(shop, client):
    paid = pay(client, shop["merchant"], shop["member"], 1_000).json
    too_much = refund_payment(client, shop["merchant"], paid["payment_no"], 1_001)
    assert_error(too_much, 409, "CONFLICT")
    body = {"payment_no": paid["payment_no"], "refund_no": "r-once", "amount_fen": 600}
    first = pos_post(client, shop["merchant"], REFUNDS, body)
    again = pos_post(client, shop["merchant"], REFUNDS, body)
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert_error(refund_payment(client, shop["merchant"], paid["payment_no"], 401),
                 409, "CONFLICT")
    assert sum(wallet(client, shop["member"])) == 110_000 - 400


def test_bad_refund_amounts_are_refused(shop, client):
    paid = pay(client, shop["merchant"], shop["member"], 1_000).json
    for amount in (0, -5, 10**20):
        assert_error(refund_payment(client, shop["merchant"], paid["payment_no"], amount),
                     422, "VALIDATION_ERROR")
    assert sum(wallet(client, shop["member"])) == 109_000


def test_another_merchant_cannot_refund_a_payment(api, shop, client):
    paid = pay(client, shop["merchant"], shop["member"], 1_000).json
    assert_error(refund_payment(client, api.merchant(), paid["payment_no"], 1_000),
                 404, "NOT_FOUND")
    assert sum(wallet(client, shop["member"])) == 109_000


def test_concurrent_refunds_never_give_back_more_than_the_payment(shop, client, app):
    paid = pay(client, shop["merchant"], shop["member"], 1_000).json

    def send(n):
        return refund_payment(app.test_client(), shop["merchant"], paid["payment_no"],
                              600).status_code

    statuses = run_concurrently(send, range(8))
    assert statuses.count(201) == 1 and statuses.count(409) == 7
    assert sum(wallet(client, shop["member"])) == 109_600
