"""Advisors and follow-ups over HTTP: assignment, creation once per order in the merchant's
timezone, scheduling, completion with a task credit, roles and tenants."""

from datetime import UTC, datetime

from tests.care.shop import package_item, sell, use
from tests.helpers import assert_error, balance, cli, purchase


def _follow_ups(client, staff, **query):
    response = client.get("/api/v1/admin/follow-ups", headers=staff["headers"],
                          query_string=query)
    assert response.status_code == 200, response.json
    return sorted(response.json["items"], key=lambda f: f["days"])


def _advise(client, manager, member, staff_id):
    return client.put(f"/api/v1/admin/members/{member['id']}/advisor",
                      headers=manager["headers"], json={"staff_id": staff_id})


def test_a_manager_assigns_an_advisor_whose_name_the_member_sees(api, client):
    merchant, other = api.merchant(), api.merchant()
    manager, advisor = api.staff(merchant, "manager"), api.staff(merchant, "clerk", "小美")
    member = api.member(merchant)
    assigned = _advise(client, manager, member, advisor["id"])
    assert assigned.status_code == 200 and assigned.json["name"] == "小美"
    card = client.get("/api/v1/me/advisor", headers=member["headers"]).json
    assert card == {"member_id": member["id"], "staff_id": advisor["id"], "name": "小美"}
    listed = client.get("/api/v1/admin/advisors/members", headers=advisor["headers"],
                        query_string={"advisor_id": advisor["id"]}).json["items"]
    assert [m["id"] for m in listed] == [member["id"]]
    assert_error(_advise(client, advisor, member, advisor["id"]), 403, "FORBIDDEN")
    assert_error(_advise(client, manager, member, api.staff(other)["id"]),
                 422, "VALIDATION_ERROR")
    assert_error(_advise(client, api.staff(other), member, None), 404, "NOT_FOUND")
    assert _advise(client, manager, member, None).json["staff_id"] is None


def test_a_care_order_schedules_follow_ups_once_on_the_merchants_local_days(api, client, clock):
    clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))  # already 1 December in Shanghai
    merchant = api.merchant()
    manager, advisor = api.staff(merchant, "manager"), api.staff(merchant, "clerk")
    member = api.member(merchant)
    _advise(client, manager, member, advisor["id"])
    for _ in range(2):  # a replayed order schedules nothing more
        purchase(client, merchant, member, 50_000, order_no="P1", category="treatment",
                 paid_at="2026-11-30T17:00:00+00:00")
    purchase(client, merchant, member, 50_000, order_no="P2", category="retail")
    mine = _follow_ups(client, advisor, assignee="me")
    assert [(f["order_no"], f["due_on"], f["status"]) for f in mine] == [
        ("P1", "2026-12-04", "scheduled"), ("P1", "2026-12-22", "scheduled"),
        ("P1", "2027-03-01", "scheduled")]
    assert all(f["assignee_id"] == advisor["id"] for f in mine)


def test_a_package_sale_and_each_use_schedule_unassigned_follow_ups(api, client):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    code = sell(client, merchant, api.member(merchant),
                package_item(client, api.staff(merchant), category="surgery")).json["code"]
    use(client, clerk, code, use_no="V1")
    everything = _follow_ups(client, clerk)
    assert len(everything) == 6  # the counter sale is a POS order in a care category too
    follow_ups = [f for f in everything if f["order_no"] == "use:V1"]
    assert [f["days"] for f in follow_ups] == [3, 21, 90]
    assert all(f["assignee_id"] is None for f in follow_ups)


def test_the_schedule_job_marks_due_and_overdue_follow_ups(api, client, clock, app):
    clock.set(datetime(2026, 11, 1, 4, 0, tzinfo=UTC))
    merchant = api.merchant()
    manager, advisor = api.staff(merchant, "manager"), api.staff(merchant, "clerk")
    member = api.member(merchant)
    _advise(client, manager, member, advisor["id"])
    purchase(client, merchant, member, 100, category="treatment",
             paid_at="2026-11-01T04:00:00+00:00")
    clock.set(datetime(2026, 11, 22, 4, 0, tzinfo=UTC))  # day 21: the 3-day one is late
    assert cli(app, "care", "schedule") == {"due": 1, "overdue": 1}
    assert cli(app, "care", "schedule") == {"due": 0, "overdue": 0}
    assert [f["status"] for f in _follow_ups(client, advisor)] == ["overdue", "due", "scheduled"]
    counts = client.get("/api/v1/admin/follow-ups/counts", headers=advisor["headers"]).json
    assert counts == {"due": 1, "overdue": 1}
    assert len(_follow_ups(client, advisor, status="due")) == 1


def test_completing_a_follow_up_credits_the_care_visit_task_once(api, client):
    merchant, other = api.merchant(), api.merchant()
    clerk = api.staff(merchant, "clerk")
    member = api.member(merchant)
    purchase(client, merchant, member, 0, category="treatment")
    first, second, third = _follow_ups(client, clerk)
    path = "/api/v1/admin/follow-ups/{}/complete"
    bad = client.post(path.format(first["id"]), headers=clerk["headers"],
                      json={"outcome": "reached", "credit_task_code": "no_such_task"})
    assert_error(bad, 422, "VALIDATION_ERROR")
    assert_error(client.post(path.format(first["id"]), headers=clerk["headers"],
                             json={"outcome": "maybe"}), 422, "VALIDATION_ERROR")
    assert_error(client.post(path.format(first["id"]), headers=api.staff(other)["headers"],
                             json={"outcome": "reached"}), 404, "NOT_FOUND")
    assert _follow_ups(client, clerk)[0]["status"] == "scheduled" and balance(
        client, member) == 100
    done = client.post(path.format(first["id"]), headers=clerk["headers"], json={
        "outcome": "reached", "note": "恢复良好", "credit_task_code": "care_visit"})
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["outcome"]) == ("done", "reached")
    assert balance(client, member) == 120
    assert_error(client.post(path.format(first["id"]), headers=clerk["headers"],
                             json={"outcome": "reached"}), 409, "CONFLICT")
    no_answer = client.post(path.format(second["id"]), headers=clerk["headers"],
                            json={"outcome": "no_answer"})
    assert no_answer.json["status"] == "done" and balance(client, member) == 120
    assert third["status"] == "scheduled"


def test_owners_see_figures_per_advisor_as_json_and_csv(api, client):
    merchant = api.merchant()
    owner, advisor = api.staff(merchant), api.staff(merchant, "clerk", "顾问A")
    member = api.member(merchant)
    _advise(client, owner, member, advisor["id"])
    code = sell(client, merchant, member, package_item(client, owner), amount_fen=2000).json[
        "code"]
    use(client, advisor, code)
    purchase(client, merchant, member, 500, category="retail")
    first = _follow_ups(client, advisor, assignee="me")[0]
    client.post(f"/api/v1/admin/follow-ups/{first['id']}/complete", headers=advisor["headers"],
                json={"outcome": "reached"})
    report = client.get("/api/v1/admin/analytics/advisors", headers=owner["headers"])
    assert report.json["items"] == [{
        "staff_id": advisor["id"], "name": "顾问A", "members": 1, "pos_sales_fen": 2500,
        "packages_sold": 1, "sessions_used": 1, "follow_ups_due": 0,
        "follow_ups_done_on_time": 1, "follow_ups_done_late": 0, "follow_ups_overdue": 0}]
    csv = client.get("/api/v1/admin/analytics/advisors.csv", headers=owner["headers"])
    assert csv.mimetype == "text/csv" and "顾问A" in csv.get_data(True)
    assert "门店消费（元）" in csv.get_data(True).splitlines()[0]
    assert_error(client.get("/api/v1/admin/analytics/advisors", headers=advisor["headers"]),
                 403, "FORBIDDEN")


def test_a_credit_over_the_tasks_limit_is_409_and_the_follow_up_stays_open(api, client):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    member = api.member(merchant)
    for _ in range(4):  # care_visit allows 4 a month
        client.post(f"/api/v1/admin/members/{member['id']}/activities",
                    headers=clerk["headers"], json={"task_code": "care_visit"})
    purchase(client, merchant, member, 0, category="treatment")
    first = _follow_ups(client, clerk)[0]
    refused = client.post(f"/api/v1/admin/follow-ups/{first['id']}/complete",
                          headers=clerk["headers"],
                          json={"outcome": "reached", "credit_task_code": "care_visit"})
    assert_error(refused, 409, "LIMIT_EXCEEDED")
    assert _follow_ups(client, clerk)[0]["status"] == "scheduled"
    assert balance(client, member) == 100 + 4 * 20
