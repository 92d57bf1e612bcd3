"""The console's counter endpoints, the pay-code throttle over HTTP, and the till's rules."""

import pytest

from app import create_app
from tests.helpers import assert_error, balance, purchase
from tests.till.counter import pay_code, quote, redeem


def test_a_clerk_quotes_redeems_and_voids_from_the_console_and_it_is_audited(api, client):
    merchant = api.merchant()
    clerk, owner = api.staff(merchant, "clerk"), api.staff(merchant, "owner")
    member = api.member(merchant)
    purchase(client, merchant, member, 90_000)
    code = pay_code(client, member)
    got = client.post("/api/v1/admin/counter/quote", headers=clerk["headers"],
                      json={"pay_code": code, "amount_fen": 10_000}).json
    assert (got["card_no"], got["max_points"]) == (member["card_no"], 1000)
    paid = client.post("/api/v1/admin/counter/redemptions", headers=clerk["headers"], json={
        "redemption_no": "desk-1", "pay_code": code, "amount_fen": 10_000, "points": 500})
    assert paid.status_code == 201 and paid.json["balance"] == 500
    voided = client.post("/api/v1/admin/counter/redemptions/desk-1/void",
                         headers=clerk["headers"])
    assert voided.json["points_returned"] == 500 and balance(client, member) == 1000
    actions = [row["action"] for row in client.get(
        "/api/v1/admin/audit", headers=owner["headers"]).json["items"]]
    assert {"counter.redeem", "counter.void"} <= set(actions)


def test_support_staff_and_other_merchants_cannot_use_the_counter(api, client):
    merchant, other = api.merchant(), api.merchant()
    member = api.member(merchant)
    code = pay_code(client, member)
    support = api.staff(merchant, "support")
    assert_error(client.post("/api/v1/admin/counter/quote", headers=support["headers"],
                             json={"pay_code": code, "amount_fen": 10_000}), 403, "FORBIDDEN")
    stranger = api.staff(other, "clerk")
    assert_error(client.post("/api/v1/admin/counter/quote", headers=stranger["headers"],
                             json={"pay_code": code, "amount_fen": 10_000}),
                 401, "PAY_CODE_INVALID")


def test_a_pos_key_guessing_codes_gets_429_with_retry_after(api, app):
    merchant = api.merchant()
    member = api.member(merchant)
    tight = create_app({**app.config, "RATE_LIMITS": {
        **app.config["RATE_LIMITS"], "pay_code_failures": {"subject": "3/minute"}}})
    client = tight.test_client()
    for guess in range(3):
        assert_error(quote(client, merchant, 10_000, pay_code=f"{guess:018d}"), 401,
                     "PAY_CODE_INVALID")
    good = pay_code(client, member)
    response = redeem(client, merchant, good, 100, 10_000)
    assert_error(response, 429, "RATE_LIMITED")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert balance(client, member) == 100


@pytest.mark.parametrize("till", [
    {"fen_per_point": 0}, {"max_share_percent": 101}, {"step": 0},
    {"excluded_categories": "surgery"}, {"pay_code_seconds": 5}, {"enabled": "maybe"},
])
def test_bad_till_rules_are_refused_whole(api, client, till):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    rules = client.get("/api/v1/admin/rules", headers=owner["headers"]).json["rules"]
    bad = {**rules, "till": {**rules["till"], **till}}
    error = assert_error(client.put("/api/v1/admin/rules", headers=owner["headers"], json=bad),
                         422, "VALIDATION_ERROR")
    assert "till" in error["details"]
    assert client.get("/api/v1/admin/rules", headers=owner["headers"]).json["version"] == 1


def test_till_rules_saved_by_the_owner_apply_at_once(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    member = api.member(merchant)
    purchase(client, merchant, member, 90_000)
    rules = client.get("/api/v1/admin/rules", headers=owner["headers"]).json["rules"]
    rules["till"].update(fen_per_point=10, step=50, min_points=50)
    rules["earning"]["pending_days"] = 3
    assert client.put("/api/v1/admin/rules", headers=owner["headers"],
                      json=rules).status_code == 200
    got = quote(client, merchant, 10_000, pay_code=pay_code(client, member)).json
    assert (got["max_points"], got["max_discount_fen"], got["step"]) == (500, 5000, 50)
