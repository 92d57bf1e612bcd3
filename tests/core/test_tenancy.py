"""Merchant A's staff and members never read or change merchant B's data."""

import pytest

from tests.helpers import assert_error, balance


@pytest.fixture
def two_tenants(api):
    a, b = api.merchant(), api.merchant()
    return {"a_owner": api.staff(a, "owner"), "b_member": api.member(b),
            "a_member": api.member(a), "b_owner": api.staff(b, "owner")}


@pytest.mark.parametrize("method,path,body", [
    ("get", "/api/v1/admin/members/{id}", None),
    ("get", "/api/v1/admin/members/{id}/transactions", None),
    ("post", "/api/v1/admin/members/{id}/adjustments", {"delta": 5, "reason_code": "other"}),
    ("post", "/api/v1/admin/members/{id}/freeze", None),
    ("post", "/api/v1/admin/members/{id}/unfreeze", None),
    ("post", "/api/v1/admin/members/{id}/anonymise", None),
])
def test_staff_of_a_get_404_for_members_of_b(two_tenants, client, method, path, body):
    victim = two_tenants["b_member"]
    response = getattr(client, method)(path.format(id=victim["id"]), json=body,
                                       headers=two_tenants["a_owner"]["headers"])
    assert_error(response, 404, "NOT_FOUND")
    assert balance(client, victim) == 100


def test_member_search_never_crosses_tenants(two_tenants, client):
    items = client.get("/api/v1/admin/members", headers=two_tenants["a_owner"]["headers"]).json
    assert [m["id"] for m in items["items"]] == [two_tenants["a_member"]["id"]]
    card = two_tenants["b_member"]["card_no"]
    found = client.get("/api/v1/admin/members", query_string={"q": card},
                       headers=two_tenants["a_owner"]["headers"]).json
    assert found["items"] == []


def test_adjustments_entries_and_campaigns_of_b_are_404_for_a(api, two_tenants, client):
    b_support = two_tenants["b_owner"]
    b_member = two_tenants["b_member"]
    pending = client.post(f"/api/v1/admin/members/{b_member['id']}/adjustments",
                          headers=b_support["headers"],
                          json={"delta": 99_999, "reason_code": "other"}).json
    campaign = client.post("/api/v1/admin/campaigns", headers=b_support["headers"], json={
        "name": "B", "multiplier": "2", "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-02-01T00:00:00Z"}).json
    entries = client.get(f"/api/v1/admin/members/{b_member['id']}/transactions",
                         headers=b_support["headers"]).json["items"]
    a = two_tenants["a_owner"]["headers"]
    for response in (
        client.post(f"/api/v1/admin/adjustments/{pending['id']}/approve", headers=a),
        client.post(f"/api/v1/admin/adjustments/{pending['id']}/reject", headers=a),
        client.post(f"/api/v1/admin/transactions/{entries[0]['id']}/reverse", headers=a,
                    json={"reason": "x"}),
        client.patch(f"/api/v1/admin/campaigns/{campaign['id']}", headers=a,
                     json={"name": "hijack"}),
        client.delete(f"/api/v1/admin/campaigns/{campaign['id']}", headers=a),
    ):
        assert_error(response, 404, "NOT_FOUND")
    assert client.get("/api/v1/admin/audit", headers=a).json["items"] == []
    assert client.get("/api/v1/admin/adjustments", headers=a).json["items"] == []
    assert balance(client, b_member) == 100


@pytest.mark.parametrize("method,path", [
    ("get", "/api/v1/admin/members"), ("get", "/api/v1/admin/rules"),
    ("put", "/api/v1/admin/rules"), ("get", "/api/v1/admin/audit"),
    ("get", "/api/v1/admin/campaigns"), ("get", "/api/v1/admin/adjustments"),
])
def test_member_tokens_get_403_on_staff_endpoints(two_tenants, client, method, path):
    response = getattr(client, method)(path, headers=two_tenants["a_member"]["headers"],
                                       json={})
    assert_error(response, 403, "FORBIDDEN")
