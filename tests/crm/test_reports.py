from datetime import UTC, date, datetime, timedelta

from crm import reports
from loyalty import members as members_service
from tests.crm.conftest import set_member
from tests.crm.test_segments import _store
from tests.helpers import assert_error, purchase


def test_money_ages_and_visit_intervals_are_computed_without_a_database():
    assert reports.yuan(12345) == "123.45" and reports.yuan(5) == "0.05"
    assert reports.yuan(-150) == "-1.50" and reports.yuan(None) is None
    today = date(2026, 11, 30)
    assert reports.age_band(date(1996, 12, 1), today) == "20-29"
    assert reports.age_band(date(1996, 11, 30), today) == "30-39"
    assert reports.age_band(None, today) == "unknown"
    now = datetime(2026, 11, 30, tzinfo=UTC)
    visits = [now - timedelta(days=40), now - timedelta(days=30)]
    assert reports.overdue(visits, now) == 10.0  # 30 days since, usually every 10
    assert reports.overdue(visits, now - timedelta(days=20)) is None
    assert reports.overdue(visits[:1], now) is None


def test_member_and_store_reports_with_their_csvs(app, api, client, shop):
    merchant, manager = shop["merchant"], shop["manager"]["headers"]
    store_id = _store(app, merchant["id"])
    regular, lapsed = api.member(merchant), api.member(merchant)
    with app.app_context():
        code = members_service.referral_code(members_service.get(merchant["id"], regular["id"]))
    api.member(merchant, referral_code=code)
    set_member(app, regular["id"], gender="female", birthday=date(1990, 1, 1))
    now = datetime.now(UTC)
    for days, who, fen in ((1, regular, 10000), (2, regular, 30000), (100, lapsed, 20000),
                           (90, lapsed, 20000)):
        purchase(client, merchant, who, fen, store_id=store_id,
                 paid_at=(now - timedelta(days=days)).isoformat())
    report = client.get("/api/v1/admin/analytics/members", headers=manager)
    assert report.status_code == 200, report.json
    body = report.json
    assert sum(row["count"] for row in body["new_members"]) == 3
    assert {"gender": "female", "count": 1} in body["gender"]
    assert body["average_ticket_fen"] == 20000  # the two orders of the last 30 days
    assert body["previous_average_ticket_fen"] is None
    assert body["referral_conversion"] == {"referred": 1, "purchased": 0, "rate": 0.0}
    assert body["consumption_warnings"]["count"] == 1
    assert body["consumption_warnings"]["items"][0]["member_id"] == lapsed["id"]
    assert body["points_usage_rate"]["issued"] > 0 and body["points_usage_rate"]["rate"] == 0
    stores = client.get("/api/v1/admin/analytics/stores?from=2000-01-01", headers=manager)
    assert stores.status_code == 422  # more than three years
    since = (now - timedelta(days=365)).date().isoformat()
    row = client.get(f"/api/v1/admin/analytics/stores?from={since}",
                     headers=manager).json["items"][0]
    assert row == {"store_id": store_id, "store_name": "南山店", "orders": 4, "members": 2,
                   "amount_fen": 80000, "average_ticket_fen": 20000}
    csv_text = client.get(f"/api/v1/admin/analytics/stores.csv?from={since}",
                          headers=manager).get_data(as_text=True)
    assert "金额(元),金额(分)" in csv_text and "800.00,80000" in csv_text
    members_csv = client.get("/api/v1/admin/analytics/members.csv",
                             headers=manager).get_data(as_text=True)
    assert "客单价(元),200.00" in members_csv and "积分使用率" in members_csv
    assert_error(client.get("/api/v1/admin/analytics/members", headers=shop["clerk"]["headers"]),
                 403, "FORBIDDEN")
