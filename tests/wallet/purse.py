"""Small factories for wallet tests: counter and member top-ups, balances."""

from itertools import count

from tests.helpers import pos_post

_numbers = count(1)
TOPUPS = "/api/v1/pos/wallet/topups"
PAYMENTS = "/api/v1/pos/wallet/payments"
REFUNDS = "/api/v1/pos/wallet/refunds"


def counter_topup(client, merchant: dict, member: dict, amount_fen: int, **extra):
    """A counter top-up naming the member by id (unique topup_no unless given)."""
    body = {"topup_no": f"t-{next(_numbers)}", "member": {"member_id": member["id"]},
            "amount_fen": amount_fen, **extra}
    return pos_post(client, merchant, TOPUPS, body)


def topped_up(client, merchant: dict, member: dict, amount_fen: int, **extra) -> dict:
    """A counter top-up that must succeed."""
    response = counter_topup(client, merchant, member, amount_fen, **extra)
    assert response.status_code == 201, response.json
    return response.json


def paid_member_topup(client, member: dict, **body) -> dict:
    """A top-up ordered and paid by the member through the sandbox provider."""
    order = client.post("/api/v1/me/wallet/topups", headers=member["headers"], json=body)
    assert order.status_code == 201, order.json
    paid = client.post(f"/api/v1/me/wallet/topups/{order.json['id']}/pay",
                       headers=member["headers"])
    assert paid.status_code == 200, paid.json
    return paid.json


def wallet(client, member: dict) -> tuple[int, int]:
    """(principal_fen, gift_fen) as the member sees them."""
    body = client.get("/api/v1/me/wallet", headers=member["headers"]).json
    return body["principal_fen"], body["gift_fen"]


def statement(client, member: dict) -> list[dict]:
    """The member's wallet entries, newest first."""
    return client.get("/api/v1/me/wallet/transactions?limit=100",
                      headers=member["headers"]).json["items"]
