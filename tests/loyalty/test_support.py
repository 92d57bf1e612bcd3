from tests.helpers import assert_error, balance


def _adjust(client, staff, member, delta):
    return client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                       headers=staff["headers"],
                       json={"delta": delta, "reason_code": "goodwill", "note": "生日补偿"})


def test_an_adjustment_up_to_the_threshold_applies_at_once(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support = api.staff(merchant, "support")
    body = _adjust(client, support, member, 1000).json
    assert body["status"] == "applied" and body["requested_by"] == support["id"]
    assert balance(client, member) == 1100


def test_a_large_adjustment_waits_for_a_manager_who_is_not_the_requester(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    manager, other_manager = api.staff(merchant, "manager"), api.staff(merchant, "manager")
    pending = _adjust(client, manager, member, 5000).json
    assert pending["status"] == "pending_approval"
    assert balance(client, member) == 100
    queue = client.get("/api/v1/admin/adjustments?status=pending_approval",
                       headers=manager["headers"]).json
    assert [a["id"] for a in queue["items"]] == [pending["id"]]
    own = client.post(f"/api/v1/admin/adjustments/{pending['id']}/approve",
                      headers=manager["headers"])
    assert_error(own, 403, "FORBIDDEN")
    approved = client.post(f"/api/v1/admin/adjustments/{pending['id']}/approve",
                           headers=other_manager["headers"]).json
    assert approved["status"] == "applied" and approved["approved_by"] == other_manager["id"]
    assert balance(client, member) == 5100
    again = client.post(f"/api/v1/admin/adjustments/{pending['id']}/approve",
                        headers=other_manager["headers"])
    assert_error(again, 409, "CONFLICT")


def test_a_rejected_adjustment_changes_nothing(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support, owner = api.staff(merchant, "support"), api.staff(merchant, "owner")
    pending = _adjust(client, support, member, -5000).json
    rejected = client.post(f"/api/v1/admin/adjustments/{pending['id']}/reject",
                           headers=owner["headers"]).json
    assert rejected["status"] == "rejected"
    assert balance(client, member) == 100


def test_clerks_cannot_adjust_and_support_cannot_approve(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    clerk, support = api.staff(merchant, "clerk"), api.staff(merchant, "support")
    assert_error(_adjust(client, clerk, member, 10), 403, "FORBIDDEN")
    pending = _adjust(client, support, member, 9999).json
    assert_error(client.post(f"/api/v1/admin/adjustments/{pending['id']}/approve",
                             headers=api.staff(merchant, "support")["headers"]),
                 403, "FORBIDDEN")


def test_bad_adjustments_are_422_and_change_nothing(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support = api.staff(merchant, "support")
    for body in ({"delta": 0, "reason_code": "goodwill"}, {"delta": 5, "reason_code": "bribe"},
                 {"delta": "5", "reason_code": "goodwill"}, {"reason_code": "goodwill"}):
        response = client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                               headers=support["headers"], json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
    assert balance(client, member) == 100


def test_idempotency_key_replays_the_first_adjustment(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support = api.staff(merchant, "support")
    headers = {**support["headers"], "Idempotency-Key": "adj-1"}
    path = f"/api/v1/admin/members/{member['id']}/adjustments"
    body = {"delta": 10, "reason_code": "goodwill"}
    first = client.post(path, headers=headers, json=body)
    second = client.post(path, headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json and second.headers["Idempotent-Replayed"] == "true"
    assert_error(client.post(path, headers=headers, json={**body, "delta": 11}),
                 409, "IDEMPOTENCY_CONFLICT")
    assert balance(client, member) == 110


def test_freeze_unfreeze_and_audit_trail(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    manager = api.staff(merchant, "manager")
    frozen = client.post(f"/api/v1/admin/members/{member['id']}/freeze",
                         headers=manager["headers"]).json
    assert frozen["status"] == "frozen"
    client.post(f"/api/v1/admin/members/{member['id']}/unfreeze", headers=manager["headers"])
    audit = client.get("/api/v1/admin/audit?target_type=member",
                       headers=manager["headers"]).json["items"]
    assert [a["action"] for a in audit] == ["member.active", "member.frozen"]
    assert audit[1]["before"] == {"status": "active"} and audit[1]["actor_id"] == manager["id"]
    assert audit[1]["ip"]


def test_member_search_masks_phones(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    client.patch("/api/v1/me", json={"phone": "13912345678", "nickname": "小美_100%"},
                 headers=member["headers"])
    clerk = api.staff(merchant, "clerk")
    for q in ("13912345678", member["card_no"], "美_100%"):
        items = client.get("/api/v1/admin/members", query_string={"q": q},
                           headers=clerk["headers"]).json["items"]
        assert [m["id"] for m in items] == [member["id"]], q
        assert items[0]["phone_masked"] == "139****5678"
        assert "13912345678" not in str(items)
    assert client.get("/api/v1/admin/members", query_string={"q": "1_0"},
                      headers=clerk["headers"]).json["items"] == []


def test_anonymising_keeps_the_ledger_and_removes_the_person(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    client.patch("/api/v1/me", json={"phone": "13912345678", "nickname": "Amy"},
                 headers=member["headers"])
    owner = api.staff(merchant, "owner")
    body = client.post(f"/api/v1/admin/members/{member['id']}/anonymise",
                       headers=owner["headers"]).json
    assert body["anonymized"] is True and body["nickname"] is None
    assert body["phone_masked"] is None and body["balance"] == 100
    ledger = client.get(f"/api/v1/admin/members/{member['id']}/transactions",
                        headers=owner["headers"]).json["items"]
    assert len(ledger) == 1
    assert_error(client.get("/api/v1/me", headers=member["headers"]), 401, "UNAUTHORIZED")


def test_a_retried_approval_with_its_idempotency_key_replays_and_applies_once(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    support, manager = api.staff(merchant, "support"), api.staff(merchant, "manager")
    pending = _adjust(client, support, member, 5000).json
    headers = {**manager["headers"], "Idempotency-Key": "approve-1"}
    path = f"/api/v1/admin/adjustments/{pending['id']}/approve"
    first, retried = client.post(path, headers=headers), client.post(path, headers=headers)
    assert first.status_code == retried.status_code == 200
    assert retried.headers["Idempotent-Replayed"] == "true" and retried.json == first.json
    assert balance(client, member) == 5100
