"""Smaller exactly-once promises: the POS answer, the audit's address, honest conflicts."""

from sqlalchemy.exc import IntegrityError

from loyalty import earning
from tests.helpers import assert_error, balance, purchase


def test_the_pos_answer_balance_includes_the_referral_reward_of_the_same_request(api, client):
    merchant = api.merchant()
    referrer = api.member(merchant)
    code = client.get("/api/v1/me/referral", headers=referrer["headers"]).json["code"]
    referee = api.member(merchant, referral_code=code)
    answer = purchase(client, merchant, referee, 10_000).json
    assert answer["balance"] == balance(client, referee) == 100 + 100 + 200  # bonus, buy, reward


def test_the_audit_keeps_the_connection_address_not_a_client_sent_x_real_ip(api, client):
    merchant = api.merchant()
    member, manager = api.member(merchant), api.staff(merchant, "manager")
    client.post(f"/api/v1/admin/members/{member['id']}/freeze",
                headers={**manager["headers"], "X-Real-IP": "203.0.113.66"})
    audit = client.get("/api/v1/admin/audit?target_type=member",
                       headers=manager["headers"]).json["items"]
    assert audit[0]["ip"] and audit[0]["ip"] != "203.0.113.66"


def test_a_unique_violation_not_about_the_order_no_is_a_409_and_credits_nothing(
        api, client, monkeypatch):
    merchant = api.merchant()
    member = api.member(merchant)

    def clash(*_args):
        raise IntegrityError("INSERT …", {}, Exception("another unique row"))

    monkeypatch.setattr(earning, "_credit_order", clash)
    assert_error(purchase(client, merchant, member, 10_000), 409, "CONFLICT")
    monkeypatch.undo()
    assert balance(client, member) == 100
