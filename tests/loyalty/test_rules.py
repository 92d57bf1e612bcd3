from tests.helpers import assert_error


def test_rules_are_readable_by_staff_and_replaced_by_the_owner_with_versions(api, client):
    merchant = api.merchant()
    owner, clerk = api.staff(merchant, "owner"), api.staff(merchant, "clerk")
    current = client.get("/api/v1/admin/rules", headers=clerk["headers"]).json
    assert current["version"] == 1 and current["rules"]["checkin"]["ladder"][0] == 5
    new = {**current["rules"], "checkin": {"ladder": [1, 2, 3]}}
    assert_error(client.put("/api/v1/admin/rules", headers=clerk["headers"], json=new),
                 403, "FORBIDDEN")
    replaced = client.put("/api/v1/admin/rules", headers=owner["headers"], json=new)
    assert replaced.status_code == 200, replaced.json
    assert replaced.json["version"] == 2
    versions = client.get("/api/v1/admin/rules/versions", headers=owner["headers"]).json
    assert [(v["version"], v["created_by"], v["created_by_username"])
            for v in versions["items"]] == [(2, owner["id"], owner["username"]), (1, None, None)]


def test_a_bad_ladder_or_negative_rate_is_422_and_changes_nothing(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner")
    rules = client.get("/api/v1/admin/rules", headers=owner["headers"]).json["rules"]
    bad_documents = [
        {**rules, "checkin": {"ladder": []}},
        {**rules, "checkin": {"ladder": [5, -1]}},
        {**rules, "earning": {"points_per_yuan": "-1"}},
        {**rules, "tiers": [{**rules["tiers"][0], "threshold": 10}]},
        {**rules, "tier_downgrade": "sometimes"},
    ]
    for document in bad_documents:
        error = assert_error(client.put("/api/v1/admin/rules", headers=owner["headers"],
                                        json=document), 422, "VALIDATION_ERROR")
        assert error["details"]
    assert client.get("/api/v1/admin/rules", headers=owner["headers"]).json["version"] == 1


def test_campaigns_crud_and_window_validation(api, client):
    merchant = api.merchant()
    manager = api.staff(merchant, "manager")
    headers = manager["headers"]
    body = {"name": "周年庆", "multiplier": "2.00", "tiers": ["platinum"],
            "starts_at": "2026-12-01T00:00:00+08:00", "ends_at": "2026-12-08T00:00:00+08:00"}
    created = client.post("/api/v1/admin/campaigns", headers=headers, json=body)
    assert created.status_code == 201 and created.json["multiplier"] == "2.00"
    campaign_id = created.json["id"]
    patched = client.patch(f"/api/v1/admin/campaigns/{campaign_id}", headers=headers,
                           json={"multiplier": "3"})
    assert patched.json["multiplier"] == "3.00"
    backwards = client.patch(f"/api/v1/admin/campaigns/{campaign_id}", headers=headers,
                             json={"ends_at": "2026-11-01T00:00:00+08:00"})
    assert_error(backwards, 422, "VALIDATION_ERROR")
    assert client.delete(f"/api/v1/admin/campaigns/{campaign_id}",
                         headers=headers).status_code == 204
    assert client.get("/api/v1/admin/campaigns", headers=headers).json["items"] == []
    assert_error(client.post("/api/v1/admin/campaigns", headers=headers,
                             json={**body, "multiplier": "0.5"}), 422, "VALIDATION_ERROR")
