from datetime import UTC, date, datetime, timedelta

import requests

from core.extensions import db
from loyalty import notifications
from loyalty.models import Subscription
from tests.crm.conftest import set_member
from tests.helpers import assert_error, cli, purchase, run_concurrently

COUNT = "/api/v1/admin/segments/count"


def _store(app, merchant_id):
    from core.models import Store
    with app.app_context():
        store = Store(merchant_id=merchant_id, name="南山店")
        db.session.add(store)
        db.session.commit()
        return store.id


def test_every_filter_counts_the_members_it_describes(app, api, client, clock, shop):
    merchant, manager = shop["merchant"], shop["manager"]["headers"]
    store_id = _store(app, merchant["id"])
    clock.set(datetime.now(UTC) - timedelta(days=360))
    api.member(merchant)  # its signup bonus lot expires in ~5 days
    clock.reset()
    gold, birthday, visitor, tagged = (api.member(merchant) for _ in range(4))
    set_member(app, gold["id"], tier_code="platinum")
    set_member(app, birthday["id"], birthday=date(1990, 7, 9))
    purchase(client, merchant, visitor, 100000, store_id=store_id)
    client.put(f"/api/v1/admin/members/{tagged['id']}/tags", headers=manager,
               json={"tags": ["VIP"]})
    cli(app, "members", "score")

    def count(**filter):
        response = client.post(COUNT, headers=manager, json=filter)
        assert response.status_code == 200, response.json
        return response.json["count"]

    assert count() == 5
    assert count(tiers=["platinum"]) == 1
    assert count(tags_any=["VIP", "其他"]) == 1
    assert count(rfm_segments=["一般挽留客户"]) == 1  # the only buyer is the average
    assert count(rfm_segments=["重要价值客户"]) == 0
    assert count(last_visit_before_days=30) == 4
    assert count(birthday_month=7) == 1
    assert count(min_balance=1000) == 1  # the visitor earned 1000 points
    assert count(points_expiring_within_days=10) == 1
    assert count(store_id=store_id) == 1
    assert count(advisor_id=1) == 0
    assert count(tags_any=["VIP"], tiers=["platinum"]) == 0


def test_bad_filters_are_refused_and_segments_stay_within_their_merchant(api, client, shop):
    manager = shop["manager"]["headers"]
    for bad in ({"birthday_month": 13}, {"rfm_segments": ["土豪"]}, {"colour": "red"},
                {"min_balance": "many"}, {"last_visit_before_days": 0}):
        assert_error(client.post(COUNT, headers=manager, json=bad), 422, "VALIDATION_ERROR")
    assert_error(client.post("/api/v1/admin/segments", headers=manager,
                             json={"name": "", "filter": {}}), 422, "VALIDATION_ERROR")
    assert client.get("/api/v1/admin/segments", headers=manager).json["items"] == []
    assert_error(client.get("/api/v1/admin/segments", headers=shop["clerk"]["headers"]), 403,
                 "FORBIDDEN")
    other = api.staff(api.merchant(), "owner")["headers"]
    created = client.post("/api/v1/admin/segments", headers=other,
                          json={"name": "全部", "filter": {}}).json
    assert_error(client.get(f"/api/v1/admin/segments/{created['id']}/members",
                            headers=manager), 404, "NOT_FOUND")


def test_segment_members_come_in_cursor_pages_and_export_with_masked_phones(api, client,
                                                                            shop):
    manager = shop["manager"]["headers"]
    members = [api.member(shop["merchant"]) for _ in range(3)]
    client.patch("/api/v1/me", headers=members[0]["headers"], json={"phone": "13812345678"})
    created = client.post("/api/v1/admin/segments", headers=manager,
                          json={"name": "全部会员", "filter": {}})
    assert created.status_code == 201 and created.json["count"] == 3
    url = f"/api/v1/admin/segments/{created.json['id']}/members"
    first = client.get(url + "?limit=2", headers=manager).json
    second = client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=manager).json
    assert [m["id"] for m in first["items"] + second["items"]] == [
        m["id"] for m in reversed(members)]
    assert second["next_cursor"] is None
    export = client.get(url + ".csv", headers=manager)
    text = export.get_data(as_text=True)
    assert "138****5678" in text and "13812345678" not in text and "手机" in text
    assert_error(client.post("/api/v1/admin/segments", headers=manager,
                             json={"name": "全部会员", "filter": {}}), 422, "VALIDATION_ERROR")


def test_a_campaign_for_a_segment_multiplies_only_its_members(api, client, shop):
    merchant, manager = shop["merchant"], shop["manager"]["headers"]
    vip, regular = api.member(merchant), api.member(merchant)
    client.put(f"/api/v1/admin/members/{vip['id']}/tags", headers=manager,
               json={"tags": ["VIP"]})
    segment = client.post("/api/v1/admin/segments", headers=manager,
                          json={"name": "VIP", "filter": {"tags_any": ["VIP"]}}).json
    window = {"starts_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
              "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    created = client.post("/api/v1/admin/campaigns", headers=manager, json={
        "name": "VIP 三倍", "multiplier": "3", "segment_id": segment["id"], **window})
    assert created.status_code == 201 and created.json["segment_id"] == segment["id"]
    assert purchase(client, merchant, vip, 10000).json["points_earned"] == 300
    assert purchase(client, merchant, regular, 10000).json["points_earned"] == 100
    foreign = client.post("/api/v1/admin/segments", headers=api.staff(api.merchant())["headers"],
                          json={"name": "x", "filter": {}}).json
    assert_error(client.post("/api/v1/admin/campaigns", headers=manager, json={
        "name": "偷", "multiplier": "2", "segment_id": foreign["id"], **window}), 422,
        "VALIDATION_ERROR")


def _granted_segment(api, client, shop, grants):
    manager = shop["manager"]["headers"]
    members = [api.member(shop["merchant"]) for _ in grants]
    for member, n in zip(members, grants, strict=True):
        for _ in range(n):
            client.post("/api/v1/me/subscriptions", headers=member["headers"],
                        json={"template_id": "tpl-promo"})
    segment = client.post("/api/v1/admin/segments", headers=manager,
                          json={"name": "全部", "filter": {}}).json
    return members, f"/api/v1/admin/segments/{segment['id']}/messages"


MESSAGE = {"template_id": "tpl-promo", "page": "pages/mall/index",
           "data": {"thing1": "双十二护理五折", "date2": "2026-12-12"}}


def _grants(app, member_id):
    with app.app_context():
        return db.session.query(Subscription.grants).filter_by(member_id=member_id).scalar()


def test_a_segment_message_spends_one_grant_once_a_day_and_is_delivered(app, api, client,
                                                                        shop, wechat_server):
    members, url = _granted_segment(api, client, shop, [2, 1, 0])
    manager = shop["manager"]["headers"]
    answer = client.post(url, headers=manager, json=MESSAGE)
    assert answer.status_code == 200, answer.json
    assert answer.json == {"queued": 2, "skipped_no_grant": 1, "skipped_sent_today": 0}
    assert [_grants(app, m["id"]) for m in members] == [1, 0, None]
    again = client.post(url, headers=manager, json=MESSAGE).json
    assert again == {"queued": 0, "skipped_no_grant": 1, "skipped_sent_today": 2}
    assert [_grants(app, m["id"]) for m in members] == [1, 0, None]
    with app.app_context():
        assert notifications.send_due() == {"sent": 2}
    sent = requests.get(f"{wechat_server}/_fake/messages", timeout=5).json()["messages"]
    assert {m["touser"] for m in sent} == {members[0]["openid"], members[1]["openid"]}
    assert sent[0]["data"]["thing1"] == {"value": "双十二护理五折"}
    assert [_grants(app, m["id"]) for m in members] == [1, 0, None]  # not spent twice


def test_concurrent_sends_spend_each_grant_exactly_once(app, api, client, shop):
    members, url = _granted_segment(api, client, shop, [1, 1, 1])
    manager = shop["manager"]["headers"]
    answers = run_concurrently(
        lambda _: app.test_client().post(url, headers=manager, json=MESSAGE).json, range(3))
    assert sum(a["queued"] for a in answers) == 3
    assert [_grants(app, m["id"]) for m in members] == [0, 0, 0]


def test_bad_messages_change_nothing(app, api, client, shop):
    members, url = _granted_segment(api, client, shop, [1])
    manager = shop["manager"]["headers"]
    for bad in ({"template_id": "", "data": {"a": "b"}}, {"template_id": "t", "data": {}},
                {"template_id": "t"}):
        assert_error(client.post(url, headers=manager, json=bad), 422, "VALIDATION_ERROR")
    assert_error(client.post(url, headers=shop["clerk"]["headers"], json=MESSAGE), 403,
                 "FORBIDDEN")
    assert_error(client.post("/api/v1/admin/segments/999999/messages", headers=manager,
                             json=MESSAGE), 404, "NOT_FOUND")
    assert _grants(app, members[0]["id"]) == 1
