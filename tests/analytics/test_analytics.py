"""Analytics against a hand-computed fixture (merchant in Asia/Shanghai, UTC+8)."""

from datetime import UTC, datetime

import pytest

from analytics.models import RollupMark
from core.extensions import db
from loyalty import expiry, ledger
from loyalty.rules import default_rules
from tests.helpers import assert_error, purchase


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def story(api, app, client, clock):
    merchant = api.merchant()
    support = api.staff(merchant, "support")
    owner = api.staff(merchant, "owner")
    clock.set(at("2025-10-01T02:00"))
    carol = api.member(merchant, "carol")                     # +100, expires 2026-10-01
    clock.set(at("2026-11-01T02:00"))
    alice = api.member(merchant, "alice")                     # +100 (Nov 1 local)
    client.patch("/api/v1/me", json={"nickname": "爱丽丝"}, headers=alice["headers"])
    clock.set(at("2026-11-02T15:30"))
    bob = api.member(merchant, "bob")                         # +100 (Nov 2, 23:30 local)
    clock.set(at("2026-11-02T16:30"))
    purchase(client, merchant, alice, 10_000)                 # +100 (Nov 3, 00:30 local)
    clock.set(at("2026-11-03T03:00"))
    client.post(f"/api/v1/admin/members/{alice['id']}/adjustments", headers=support["headers"],
                json={"delta": -50, "reason_code": "correction"})
    clock.set(at("2026-11-04T03:00"))
    client.post(f"/api/v1/admin/members/{bob['id']}/adjustments", headers=support["headers"],
                json={"delta": 30, "reason_code": "goodwill"})  # issued 30
    with app.app_context():
        ledger.post(merchant_id=merchant["id"], member_id=bob["id"], amount=-40, type="redeem",
                    reason="mall_order", ref=ledger.Ref("mall_order", "fixture"))
        db.session.commit()
        clock.set(at("2026-11-05T03:00"))
        expiry.expire_due()                                   # carol's 100 expire (Nov 5)
    clock.set(at("2026-11-08T02:00"))
    return {"owner": owner, "alice": alice, "bob": bob, "carol": carol, "merchant": merchant}


def test_summary_matches_the_hand_computed_numbers(story, client):
    body = client.get("/api/v1/admin/analytics/summary?from=2026-11-01&to=2026-11-05",
                      headers=story["owner"]["headers"]).json
    assert body == {
        "from": "2026-11-01", "to": "2026-11-05",
        "issued": 330, "redeemed": 40, "expired": 100, "redemption_rate": 0.1212,
        "liability_points": 240, "liability_fen": 240, "new_members": 2,
        "active_members": 2,
        "tier_distribution": {"starlight": 3, "platinum": 0, "diamond": 0},
    }


def test_the_local_day_decides_the_period(story, client):
    nov_3 = client.get("/api/v1/admin/analytics/summary?from=2026-11-03&to=2026-11-03",
                       headers=story["owner"]["headers"]).json
    assert nov_3["issued"] == 100 and nov_3["new_members"] == 0  # bob joined 23:30 on Nov 2


def test_daily_and_weekly_series(story, client):
    headers = story["owner"]["headers"]
    daily = client.get("/api/v1/admin/analytics/timeseries?from=2026-11-01&to=2026-11-05",
                       headers=headers).json["items"]
    assert [(d["period"], d["issued"], d["redeemed"], d["expired"]) for d in daily] == [
        ("2026-11-01", 100, 0, 0), ("2026-11-02", 100, 0, 0), ("2026-11-03", 100, 0, 0),
        ("2026-11-04", 30, 40, 0), ("2026-11-05", 0, 0, 100)]
    weekly = client.get("/api/v1/admin/analytics/timeseries?from=2026-11-01&to=2026-11-05"
                        "&bucket=week", headers=headers).json["items"]
    assert [(w["period"], w["issued"], w["redeemed"], w["expired"]) for w in weekly] == [
        ("2026-10-26", 100, 0, 0), ("2026-11-02", 230, 40, 100)]


def test_churn_and_expiring_lists(story, client):
    headers = story["owner"]["headers"]
    churn = client.get("/api/v1/admin/analytics/churn?idle_days=4", headers=headers).json
    assert [m["member_id"] for m in churn["items"]] == [story["carol"]["id"],
                                                       story["alice"]["id"]]
    soon = client.get("/api/v1/admin/analytics/expiring?within_days=365", headers=headers).json
    assert [(m["member_id"], m["points"]) for m in soon["items"]] == [
        (story["alice"]["id"], 150), (story["bob"]["id"], 90)]


def test_csv_has_a_bom_and_chinese_survives(story, client):
    response = client.get("/api/v1/admin/analytics/expiring.csv?within_days=365",
                          headers=story["owner"]["headers"])
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff会员编号,会员卡号,昵称,积分,最早过期时间")
    assert "爱丽丝" in text
    summary = client.get("/api/v1/admin/analytics/summary.csv?from=2026-11-01&to=2026-11-05",
                         headers=story["owner"]["headers"]).data.decode("utf-8")
    assert "发放积分,330" in summary and "会员等级：星耀 Starlight,3" in summary


def test_repurchase_rate(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    loyal, once = api.member(merchant), api.member(merchant)
    for member in (loyal, loyal, once):
        purchase(client, merchant, member, 1_000)
    body = client.get("/api/v1/admin/analytics/repurchase", headers=owner["headers"]).json
    assert body == {"buyers": 2, "repeat_buyers": 1, "repurchase_rate": 0.5}


def test_clerks_and_other_merchants_see_nothing(api, story, client):
    clerk = api.staff(story["merchant"], "clerk")
    assert_error(client.get("/api/v1/admin/analytics/summary", headers=clerk["headers"]),
                 403, "FORBIDDEN")
    stranger = api.staff(api.merchant(), "owner")
    body = client.get("/api/v1/admin/analytics/summary?from=2026-11-01&to=2026-11-05",
                      headers=stranger["headers"]).json
    assert body["issued"] == 0 and body["liability_points"] == 0


def test_bad_periods_are_422(story, client):
    headers = story["owner"]["headers"]
    for query in ("from=2026-11-05&to=2026-11-01", "from=yesterday", "bucket=year",
                  "from=2020-01-01&to=2026-01-01"):
        path = "/api/v1/admin/analytics/timeseries?" + query
        assert_error(client.get(path, headers=headers), 422, "VALIDATION_ERROR")


def test_top_items_count_paid_units_only(api, client):
    from tests.mall.shop import create_item, placed

    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    facial = create_item(client, owner, title="补水护理", points_price=20)
    mask = create_item(client, owner, title="面膜", points_price=10)
    buyer = api.member(merchant)
    placed(client, buyer, facial, 2)
    placed(client, buyer, mask, 1)
    cancelled = placed(client, buyer, mask, 2)
    client.post(f"/api/v1/mall/orders/{cancelled['id']}/cancel", headers=buyer["headers"])
    body = client.get("/api/v1/admin/analytics/items", headers=owner["headers"]).json
    assert [(i["title"], i["units"], i["points"], i["orders"]) for i in body["items"]] == [
        ("补水护理", 2, 40, 1), ("面膜", 1, 10, 1)]
    csv_text = client.get("/api/v1/admin/analytics/items.csv",
                          headers=owner["headers"]).data.decode("utf-8")
    assert csv_text.startswith("\ufeff商品编号,商品,类型,件数") and "补水护理" in csv_text


def test_rolled_up_days_give_the_same_numbers_and_today_is_read_live(story, app, client):
    headers = story["owner"]["headers"]

    def summary(period="from=2026-11-01&to=2026-11-08"):
        return client.get(f"/api/v1/admin/analytics/summary?{period}", headers=headers).json

    unrolled = summary(), summary("from=2026-11-01&to=2026-11-05")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["analytics", "rollup"])
    assert first.exit_code == 0 and '"days": ' in first.output
    assert (summary(), summary("from=2026-11-01&to=2026-11-05")) == unrolled
    assert summary() == unrolled[0]  # the closed days again, now from the cache
    purchase(client, story["merchant"], story["carol"], 5_000)  # today, Nov 8 local: +50
    purchase(client, story["merchant"], story["alice"], 2_000)  # +20, active on Nov 1 and 3
    mixed = summary()
    assert (mixed["issued"], mixed["active_members"], mixed["new_members"],
            mixed["liability_points"]) == (400, 3, 2, 310)
    again = runner.invoke(args=["analytics", "rollup"])
    assert '"days": 0' in again.output


def test_the_running_total_is_kept_from_the_first_roll_up_that_can(story, app, client, clock):
    headers = story["owner"]["headers"]
    runner = app.test_cli_runner()
    runner.invoke(args=["analytics", "rollup"])
    with app.app_context():  # a mark rolled up before the running total existed
        db.session.get(RollupMark, story["merchant"]["id"]).points = None
        db.session.commit()
    purchase(client, story["merchant"], story["bob"], 3_000)  # +30 today
    path = "/api/v1/admin/analytics/summary?from=2026-11-01&to=2026-11-09"
    assert client.get(path, headers=headers).json["liability_points"] == 270
    clock.set(at("2026-11-09T02:00"))
    runner.invoke(args=["analytics", "rollup"])
    purchase(client, story["merchant"], story["carol"], 1_000)  # +10 on Nov 9
    with app.app_context():
        assert db.session.get(RollupMark, story["merchant"]["id"]).points == 270
    assert client.get(path, headers=headers).json["liability_points"] == 280


def test_engagement_counts_checkins_shares_referrals_and_tasks_by_local_day(api, client,
                                                                            clock):
    rules = default_rules()
    rules["share"]["max_rewarded_visits_per_day"] = 1
    merchant = api.merchant(rules=rules)
    owner = api.staff(merchant, "owner")
    clock.set(at("2026-11-01T02:00"))                          # Nov 1, 10:00 local
    alice = api.member(merchant, "alice")
    code = client.get("/api/v1/me/referral", headers=alice["headers"]).json["code"]
    bob = api.member(merchant, "bob", referral_code=code)      # invited by alice
    carol = api.member(merchant, "carol")
    for member in (alice, bob):
        assert client.post("/api/v1/me/checkins", headers=member["headers"]).status_code == 201
    token = client.post("/api/v1/me/shares", json={"target_type": "page"},
                        headers=alice["headers"]).json["token"]
    for visitor in (bob, carol, alice, bob):  # rewarded, over the cap, self, repeat
        client.post(f"/api/v1/shares/{token}/visits", headers=visitor["headers"])
    client.post(f"/api/v1/admin/members/{carol['id']}/activities", json={"task_code": "survey"},
                headers=owner["headers"])
    purchase(client, merchant, bob, 10_000)                    # the referral qualifies
    clock.set(at("2026-11-01T17:00"))                          # Nov 2, 01:00 local
    client.post("/api/v1/me/checkins", headers=alice["headers"])
    clock.set(at("2026-11-08T02:00"))

    def report(query, headers=owner["headers"]):
        return client.get(f"/api/v1/admin/analytics/engagement?{query}", headers=headers)

    nothing = dict.fromkeys(("checkins", "checkin_members", "shares", "share_visits",
                             "rewarded_visits", "referrals_invited", "referrals_qualified",
                             "activity_tasks"), 0)
    assert report("from=2026-11-01&to=2026-11-02").json == {
        "from": "2026-11-01", "to": "2026-11-02", "checkins": 3, "checkin_members": 2,
        "shares": 1, "share_visits": 2, "rewarded_visits": 1, "referrals_invited": 1,
        "referrals_qualified": 1, "activity_tasks": 1}
    assert report("from=2026-11-02&to=2026-11-02").json == {
        **nothing, "from": "2026-11-02", "to": "2026-11-02", "checkins": 1,
        "checkin_members": 1}
    csv = client.get("/api/v1/admin/analytics/engagement.csv?from=2026-11-01&to=2026-11-02",
                     headers=owner["headers"]).get_data(as_text=True)
    assert csv.startswith("\ufeff指标,数值") and "签到次数,3" in csv
    stranger = api.staff(api.merchant(), "owner")
    assert report("from=2026-11-01&to=2026-11-02", stranger["headers"]).json == {
        **nothing, "from": "2026-11-01", "to": "2026-11-02"}
    assert_error(report("", api.staff(merchant, "clerk")["headers"]), 403, "FORBIDDEN")
    assert_error(report("from=2026-11-03&to=2026-11-01"), 422, "VALIDATION_ERROR")
