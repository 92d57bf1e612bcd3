from datetime import UTC, datetime

from tests.helpers import assert_error, balance, run_concurrently


def _credit(client, staff, member, task_code):
    return client.post(f"/api/v1/admin/members/{member['id']}/activities",
                       headers=staff["headers"], json={"task_code": task_code})


def test_staff_credit_a_task_up_to_its_limit_per_period_then_409(api, client, clock):
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # 23:00 on 30 November in Shanghai
    merchant = api.merchant()
    clerk, member = api.staff(merchant, "clerk"), api.member(merchant)
    first = _credit(client, clerk, member, "survey")
    assert first.status_code == 201, first.json
    assert first.json == {"member_id": member["id"], "task_code": "survey", "points": 50,
                          "used": 1, "limit": 1, "period": "month", "balance": 150}
    error = assert_error(_credit(client, clerk, member, "survey"), 409, "LIMIT_EXCEEDED")
    assert error["details"] == {"task_code": "survey", "limit": 1, "period": "month", "used": 1}
    clock.advance(hours=2)  # 1 December in Shanghai, still 30 November in UTC
    assert _credit(client, clerk, member, "survey").status_code == 201
    assert balance(client, member) == 200


def test_ten_concurrent_credits_of_a_task_limited_to_four_let_four_through(api, app):
    merchant = api.merchant()
    staff, member = api.staff(merchant, "support"), api.member(merchant)
    statuses = run_concurrently(
        lambda _: _credit(app.test_client(), staff, member, "care_visit").status_code, range(10))
    assert statuses.count(201) == 4 and statuses.count(409) == 6
    assert balance(app.test_client(), member) == 100 + 4 * 20


def test_unknown_tasks_are_422_and_frozen_members_403(api, client):
    merchant = api.merchant()
    manager, member = api.staff(merchant, "manager"), api.member(merchant)
    error = assert_error(_credit(client, manager, member, "nope"), 422, "VALIDATION_ERROR")
    assert "task_code" in error["details"]
    client.post(f"/api/v1/admin/members/{member['id']}/freeze", headers=manager["headers"])
    assert_error(_credit(client, manager, member, "survey"), 403, "MEMBER_FROZEN")
    assert balance(client, member) == 100


def test_a_credit_is_in_the_audit_trail_and_the_ledger_names_the_staff(api, client):
    merchant = api.merchant()
    owner, member = api.staff(merchant, "owner"), api.member(merchant)
    _credit(client, owner, member, "skin_test")
    audit = client.get("/api/v1/admin/audit?action=activity.credit",
                       headers=owner["headers"]).json["items"]
    assert audit[0]["actor_id"] == owner["id"] and audit[0]["after"]["points"] == 30
    entry = client.get(f"/api/v1/admin/members/{member['id']}/transactions",
                       headers=owner["headers"]).json["items"][0]
    assert (entry["reason_code"], entry["amount"], entry["operator_id"]) == \
        ("activity", 30, owner["id"])


def test_members_cannot_credit_activities_and_other_merchants_staff_see_no_member(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    stranger = api.staff(api.merchant(), "owner")
    assert_error(_credit(client, member, member, "survey"), 403, "FORBIDDEN")
    assert_error(_credit(client, stranger, member, "survey"), 404, "NOT_FOUND")
    assert balance(client, member) == 100
