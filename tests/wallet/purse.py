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


def pay_code(client, member: dict) -> str:
    """A fresh pay code of the member (voids their previous one)."""
    response = client.post("/api/v1/me/pay-codes", headers=member["headers"])
    assert response.status_code == 201, response.json
    return response.json["code"]


def pay(client, merchant: dict, member: dict, amount_fen: int, **extra):
    """A counter payment from the member's wallet with a fresh pay code."""
    body = {"payment_no": f"p-{next(_numbers)}", "pay_code": pay_code(client, member),
            "amount_fen": amount_fen, **extra}
    return pos_post(client, merchant, PAYMENTS, body)


def refund_payment(client, merchant: dict, payment_no: str, amount_fen: int, **extra):
    """A refund of (part of) a wallet payment."""
    body = {"payment_no": payment_no, "refund_no": f"r-{next(_numbers)}",
            "amount_fen": amount_fen, **extra}
    return pos_post(client, merchant, REFUNDS, body)


def set_wallet_rules(app, merchant: dict, **changes) -> None:
    """Change the merchant's wallet rules directly (the rules API is tested elsewhere)."""
    from core.extensions import db
    from core.models import Merchant

    with app.app_context():
        tenant = db.session.get(Merchant, merchant["id"])
        tenant.rules = {**tenant.rules, "wallet": {**tenant.rules["wallet"], **changes}}
        db.session.commit()


def victim_objects(api, client, merchant: dict) -> dict:
    """Path ids of a merchant's wallet objects, for tenancy and ownership probes."""
    member = api.member(merchant)
    refunded = paid_member_topup(client, member, amount_fen=1_000)
    refund = client.post(f"/api/v1/me/wallet/topups/{refunded['id']}/refund",
                         headers=member["headers"]).json
    kept = paid_member_topup(client, member, amount_fen=2_000)
    return {"topup_id": kept["id"], "refund_id": refund["id"]}


class Shop(dict):
    """A merchant and a member; staff ("owner", "clerk", "manager2"…) are made on first use
    (each login hashes a password, which is slow on a busy machine)."""

    def __init__(self, api):
        merchant = api.merchant()
        super().__init__(merchant=merchant, member=api.member(merchant))
        self.api = api

    def __missing__(self, key: str) -> dict:
        self[key] = self.api.staff(self["merchant"], key.rstrip("0123456789"))
        return self[key]
