"""Plans (versioned with the rules), the staff view of a wallet, and the wallet report."""

import pytest
from sqlalchemy import text

from core.extensions import db
from tests.helpers import assert_error, cli
from tests.wallet.purse import Shop, pay, set_wallet_rules, topped_up, wallet

PLANS = "/api/v1/admin/wallet/plans"
PLAN = {"code": "t500", "name": "充 500 送 30", "amount_fen": 50_000, "gift_fen": 3_000,
        "bonus_points": 100}


@pytest.fixture
def shop(api):
    return Shop(api)


def test_the_owner_replaces_the_plans_as_a_new_rules_version(shop, client):
    before = client.get(PLANS, headers=shop["owner"]["headers"]).json
    response = client.put(PLANS, headers=shop["owner"]["headers"], json={"plans": [PLAN]})
    assert response.status_code == 200, response.json
    assert response.json == {"version": before["version"] + 1, "plans": [PLAN]}
    versions = client.get("/api/v1/admin/rules/versions",
                          headers=shop["owner"]["headers"]).json["items"]
    assert versions[0]["rules"]["wallet"]["plans"] == [PLAN]
    mine = client.get("/api/v1/me/wallet", headers=shop["member"]["headers"]).json
    assert mine["plans"] == [PLAN]
    answer = topped_up(client, shop["merchant"], shop["member"], 50_000, plan_code="t500")
    assert (answer["gift_fen"], answer["bonus_points"]) == (3_000, 100)
    old_plan = client.post("/api/v1/me/wallet/topups", headers=shop["member"]["headers"],
                           json={"plan_code": "t1000"})
    assert_error(old_plan, 422, "VALIDATION_ERROR")  # the old plan is gone


BAD_PLANS = [
    [{**PLAN, "amount_fen": 0}], [{**PLAN, "gift_fen": -1}], [{**PLAN, "amount_fen": 10**20}],
    [PLAN, PLAN], [{**PLAN, "code": "Bad Code"}], [{**PLAN, "bonus_points": "5"}], [PLAN, 0],
]


def test_bad_plans_are_refused_and_nothing_changes(shop, client):
    before = client.get(PLANS, headers=shop["owner"]["headers"]).json
    for plans in BAD_PLANS:
        response = client.put(PLANS, headers=shop["owner"]["headers"], json={"plans": plans})
        assert_error(response, 422, "VALIDATION_ERROR")
    assert client.get(PLANS, headers=shop["owner"]["headers"]).json == before


def test_only_the_owner_may_change_plans(shop, client):
    for role in ("manager", "clerk"):
        response = client.put(PLANS, headers=shop[role]["headers"], json={"plans": [PLAN]})
        assert_error(response, 403, "FORBIDDEN")


def test_staff_see_a_members_wallet_with_its_entries_and_top_ups(shop, client):
    topped_up(client, shop["merchant"], shop["member"], 100_000, plan_code="t1000")
    pay(client, shop["merchant"], shop["member"], 1_000)
    view = client.get(f"/api/v1/admin/members/{shop['member']['id']}/wallet",
                      headers=shop["clerk"]["headers"]).json
    assert (view["principal_fen"], view["gift_fen"]) == wallet(client, shop["member"])
    assert [e["type"] for e in view["entries"]] == ["payment", "topup"]
    assert view["topups"][0]["plan_code"] == "t1000"


def test_another_merchants_staff_cannot_see_the_wallet(api, shop, client):
    outsider = api.staff(api.merchant(), "owner")
    response = client.get(f"/api/v1/admin/members/{shop['member']['id']}/wallet",
                          headers=outsider["headers"])
    assert_error(response, 404, "NOT_FOUND")


def test_the_report_shows_prepaid_liability_and_movements_as_json_and_csv(shop, client, app):
    set_wallet_rules(app, shop["merchant"], spend_order="gift_first")
    topped_up(client, shop["merchant"], shop["member"], 100_000, plan_code="t1000")
    pay(client, shop["merchant"], shop["member"], 15_000)
    report = client.get("/api/v1/admin/analytics/wallet",
                        headers=shop["manager"]["headers"]).json
    assert report["liability_principal_fen"] == 95_000 and report["liability_gift_fen"] == 0
    assert report["topup_principal_fen"] == 100_000 and report["topup_gift_fen"] == 10_000
    assert report["payment_principal_fen"] == 5_000 and report["payment_gift_fen"] == 10_000
    assert report["stores"] == [{"store_id": None, "store_name": None,
                                 "principal_fen": 95_000, "gift_fen": 0}]
    csv = client.get("/api/v1/admin/analytics/wallet.csv", headers=shop["owner"]["headers"])
    assert csv.status_code == 200 and "liability_principal_fen,95000" in csv.get_data(True)
    assert_error(client.get("/api/v1/admin/analytics/wallet", headers=shop["clerk"]["headers"]),
                 403, "FORBIDDEN")


def test_wallet_verify_reports_a_wallet_edited_behind_the_ledgers_back(shop, client, app):
    topped_up(client, shop["merchant"], shop["member"], 1_000)
    assert cli(app, "wallet", "verify") == {"ok": True, "failures": []}
    with app.app_context():
        db.session.execute(text("UPDATE wallet_accounts SET principal_fen = 999"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["wallet", "verify"])
    assert result.exit_code == 1 and '"principal_fen": 999' in result.output
    with app.app_context():
        db.session.execute(text("UPDATE wallet_accounts SET principal_fen = 1000"))
        db.session.commit()


def test_the_wallet_operations_publish_the_contracts_roles(app):
    from auth.models import ROLES
    from tests.test_security_matrix import operations

    published = {(m, p): set(op["x-roles"]) for m, p, op in operations(app, "staff")}
    managers = {"owner", "manager"}
    assert published[("get", "/api/v1/admin/wallet/plans")] == set(ROLES)
    assert published[("put", "/api/v1/admin/wallet/plans")] == {"owner"}
    assert published[("get", "/api/v1/admin/members/{member_id}/wallet")] == set(ROLES)
    assert published[("post", "/api/v1/admin/wallet/refunds/{refund_id}/approve")] == managers
    assert published[("post", "/api/v1/admin/wallet/refunds/{refund_id}/reject")] == managers
    assert published[("get", "/api/v1/admin/analytics/wallet")] == managers


def test_a_clerk_tops_up_and_charges_at_the_console_and_both_are_audited(shop, client):
    clerk, member = shop["clerk"], shop["member"]
    topup = client.post("/api/v1/admin/wallet/topups", headers=clerk["headers"], json={
        "topup_no": "c-1", "member": {"card_no": member["card_no"]}, "amount_fen": 100_000,
        "plan_code": "t1000"})
    assert topup.status_code == 201, topup.json
    code = client.post("/api/v1/me/pay-codes", headers=member["headers"]).json["code"]
    paid = client.post("/api/v1/admin/wallet/payments", headers=clerk["headers"],
                       json={"payment_no": "c-2", "pay_code": code, "amount_fen": 11_000})
    assert paid.status_code == 201 and paid.json["wallet"] == {"principal_fen": 90_000,
                                                               "gift_fen": 9_000}
    audit = client.get("/api/v1/admin/audit", headers=shop["owner"]["headers"]).json["items"]
    assert [(a["action"], a["actor_id"]) for a in audit[:2]] == [
        ("wallet.payment", clerk["id"]), ("wallet.topup", clerk["id"])]
    view = client.get(f"/api/v1/admin/members/{member['id']}/wallet",
                      headers=clerk["headers"]).json
    assert {e["operator_id"] for e in view["entries"]} == {clerk["id"]}


def test_support_staff_cannot_take_money_at_the_counter(api, shop, client):
    support = api.staff(shop["merchant"], "support")
    response = client.post("/api/v1/admin/wallet/topups", headers=support["headers"], json={
        "topup_no": "s-1", "member": {"member_id": shop["member"]["id"]}, "amount_fen": 100})
    assert_error(response, 403, "FORBIDDEN")
    assert wallet(client, shop["member"]) == (0, 0)
