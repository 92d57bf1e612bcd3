"""Helpers for counter tests: pay codes, quotes, redemptions, voids, orders and refunds."""

from datetime import UTC, datetime
from itertools import count

from tests.helpers import pos_post

_numbers = count(1)
PAY_CODES = "/api/v1/me/pay-codes"
QUOTE = "/api/v1/pos/redemptions/quote"
REDEEM = "/api/v1/pos/redemptions"


def pay_code(client, member) -> str:
    response = client.post(PAY_CODES, headers=member["headers"])
    assert response.status_code == 201, response.json
    return response.json["code"]


def quote(client, merchant, amount_fen, **named):
    return pos_post(client, merchant, QUOTE, {"amount_fen": amount_fen, **named})


def redeem(client, merchant, code, points, amount_fen, redemption_no=None, **extra):
    return pos_post(client, merchant, REDEEM, {
        "redemption_no": redemption_no or f"r-{next(_numbers)}", "pay_code": code,
        "amount_fen": amount_fen, "points": points, **extra})


def void(client, merchant, redemption_no):
    return pos_post(client, merchant, f"{REDEEM}/{redemption_no}/void", {})


def order(client, merchant, member_key: dict, amount_fen, order_no=None, **extra):
    return pos_post(client, merchant, "/api/v1/pos/orders", {
        "order_no": order_no or f"o-{next(_numbers)}", "member": member_key,
        "amount_fen": amount_fen, "paid_at": datetime.now(UTC).isoformat(), **extra})


def refund(client, merchant, order_no, amount_fen, refund_no=None):
    return pos_post(client, merchant, "/api/v1/pos/refunds", {
        "order_no": order_no, "refund_no": refund_no or f"rf-{next(_numbers)}",
        "amount_fen": amount_fen})


def victim_redemption(api, client, merchant: dict) -> str:
    """A merchant's redemption (of a second member's sign-up points), for tenancy probes."""
    spender = api.member(merchant)
    response = redeem(client, merchant, pay_code(client, spender), 100, 10_000)
    assert response.status_code == 201, response.json
    return response.json["redemption_no"]
