from datetime import UTC, datetime, timedelta

from crm import rfm
from tests.helpers import assert_error, cli, purchase


def test_the_eight_segments_follow_high_and_low_recency_frequency_and_monetary():
    assert rfm.segment_for(True, True, True) == "重要价值客户"
    assert rfm.segment_for(True, False, True) == "重要发展客户"
    assert rfm.segment_for(False, True, True) == "重要保持客户"
    assert rfm.segment_for(False, False, True) == "重要挽留客户"
    assert rfm.segment_for(False, False, False) == "一般挽留客户"
    assert len(set(rfm.NAMES)) == 8


def test_staff_tag_members_and_the_library_counts_them(api, client, shop):
    clerk = shop["clerk"]["headers"]
    alice, bob = api.member(shop["merchant"]), api.member(shop["merchant"])
    url = "/api/v1/admin/members/{}/tags"
    assert client.put(url.format(alice["id"]), headers=clerk,
                      json={"tags": ["VIP", "敏感肌", "VIP"]}).json == {"tags": ["VIP", "敏感肌"]}
    client.put(url.format(bob["id"]), headers=clerk, json={"tags": ["VIP"]})
    assert client.get("/api/v1/admin/tags", headers=clerk).json["items"] == [
        {"tag": "VIP", "count": 2}, {"tag": "敏感肌", "count": 1}]
    assert client.put(url.format(alice["id"]), headers=clerk,
                      json={"tags": ["敏感肌"]}).json == {"tags": ["敏感肌"]}
    shown = client.get(url.format(alice["id"]), headers=clerk).json
    assert shown["tags"] == ["敏感肌"] and shown["rfm"] is None


def test_bad_tags_and_other_merchants_members_change_nothing(api, client, shop):
    clerk = shop["clerk"]["headers"]
    alice = api.member(shop["merchant"])
    stranger = api.member(api.merchant())
    url = f"/api/v1/admin/members/{alice['id']}/tags"
    assert_error(client.put(url, headers=clerk, json={"tags": ["x" * 33]}), 422,
                 "VALIDATION_ERROR")
    assert_error(client.put(url, headers=clerk, json={"tags": "VIP"}), 422, "VALIDATION_ERROR")
    assert_error(client.put(f"/api/v1/admin/members/{stranger['id']}/tags", headers=clerk,
                            json={"tags": ["VIP"]}), 404, "NOT_FOUND")
    assert client.get("/api/v1/admin/tags", headers=clerk).json["items"] == []
    assert_error(client.put(url, headers=alice["headers"], json={"tags": ["VIP"]}), 403,
                 "FORBIDDEN")


def test_rfm_scoring_names_the_segments_of_a_known_data_set(app, api, client, shop):
    merchant, now = shop["merchant"], datetime.now(UTC)
    members = [api.member(merchant) for _ in range(4)]
    history = {0: [(1, 30000)] * 3,            # recent, frequent, big: 重要价值客户
               1: [(2, 200000)],               # recent, once, big: 重要发展客户
               2: [(100, 1000)] * 3,           # long ago, frequent, small: 一般保持客户
               3: [(200, 1000)]}               # long ago, once, small: 一般挽留客户
    for index, orders in history.items():
        for days, fen in orders:
            paid_at = (now - timedelta(days=days, hours=1)).isoformat()
            assert purchase(client, merchant, members[index], fen,
                            paid_at=paid_at).status_code == 200
    result = cli(app, "members", "score")
    assert {"merchant_id": merchant["id"], "scored": 4} in result["merchants"]
    assert cli(app, "members", "score")["merchants"][-1]["scored"] == 4  # re-run replaces
    shown = [client.get(f"/api/v1/admin/members/{m['id']}/tags",
                        headers=shop["clerk"]["headers"]).json["rfm"] for m in members]
    assert [s["segment"] for s in shown] == ["重要价值客户", "重要发展客户", "一般保持客户",
                                             "一般挽留客户"]
    assert [s["recency_days"] for s in shown] == [1, 2, 100, 200]
    assert shown[0]["frequency"] == 3 and shown[0]["monetary_fen"] == 90000
    assert shown[0]["r"] == 5 and shown[3]["r"] == 1 and shown[1]["m"] == 5
