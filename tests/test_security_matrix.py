"""A security matrix generated from the OpenAPI document: every staff operation is tried
with a member token, with each role it does not allow, and with another merchant's owner;
every member operation with ids is tried with another member's objects."""

import re

import pytest

from auth.models import ROLES
from tests.care.shop import victim_objects as care_victims
from tests.games.play import victim_objects as games_victim_objects
from tests.helpers import balance
from tests.mall.shop import victim_objects
from tests.till.counter import victim_redemption
from tests.wallet.purse import victim_objects as wallet_victim_objects

PARAM = re.compile(r"{(\w+)}")
METHODS = ("get", "post", "put", "patch", "delete")
# Opening other members' shares is what this one is for; another merchant's token is unknown.
SHARE_VISIT = "/api/v1/shares/{token}/visits"


def operations(app, subject: str):
    """(method, path template, operation) for every operation guarded for `subject`."""
    spec = app.test_client().get("/api/v1/openapi.json").json
    return [(method, path, op) for path, item in sorted(spec["paths"].items())
            for method, op in item.items()
            if method in METHODS and op.get("x-subject") == subject]


@pytest.fixture
def world(api, client):
    """Merchant A (the attacker's) and merchant B (the victim) with objects of every kind."""
    a, b = api.merchant(), api.merchant()
    b_owner, b_member = api.staff(b, "owner"), api.member(b)
    headers = b_owner["headers"]
    adjustment = client.post(f"/api/v1/admin/members/{b_member['id']}/adjustments",
                             headers=headers,
                             json={"delta": 99_999, "reason_code": "other"}).json
    campaign = client.post("/api/v1/admin/campaigns", headers=headers, json={
        "name": "B", "multiplier": "2", "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-02-01T00:00:00Z"}).json
    entry = client.get(f"/api/v1/admin/members/{b_member['id']}/transactions",
                       headers=headers).json["items"][0]
    share = client.post("/api/v1/me/shares", headers=b_member["headers"],
                        json={"target_type": "page"}).json
    ids = {"member_id": b_member["id"], "adjustment_id": adjustment["id"],
           "campaign_id": campaign["id"], "entry_id": entry["id"], "token": share["token"]}
    ids.update(victim_objects(api, client, b, headers))
    ids.update(wallet_victim_objects(api, client, b))
    ids["redemption_no"] = victim_redemption(api, client, b)
    ids.update(care_victims(api, client, b, b_owner))
    ids.update(games_victim_objects(client, headers))
    ids["segment_id"] = client.post("/api/v1/admin/segments", headers=headers,
                                    json={"name": "B", "filter": {}}).json["id"]
    ids["webhook_id"] = client.post("/api/v1/admin/webhooks", headers=headers, json={
        "url": "https://93.184.215.14/hook", "events": ["order.paid"]}).json["id"]
    tokens = {role: api.staff(a, role) for role in ROLES}
    return {"a": a, "b": b, "b_member": b_member, "ids": ids, "tokens": tokens,
            "a_member": api.member(a), "b_owner": b_owner}


def _url(path: str, ids: dict) -> str:
    def fill(match):
        assert match.group(1) in ids, f"no fixture object for {{{match.group(1)}}} in {path}"
        return str(ids[match.group(1)])

    return PARAM.sub(fill, path)


def _call(client, method, url, headers):
    return getattr(client, method)(url, headers=headers, json={})


def test_every_staff_operation_refuses_member_tokens(app, world, client):
    for method, path, _ in operations(app, "staff"):
        response = _call(client, method, _url(path, world["ids"]),
                         world["a_member"]["headers"])
        assert response.status_code == 403, (method, path, response.status_code)


def test_every_staff_operation_refuses_the_roles_it_does_not_list(app, world, client):
    for method, path, op in operations(app, "staff"):
        for role in set(ROLES) - set(op["x-roles"]):
            response = _call(client, method, _url(path, world["ids"]),
                             world["tokens"][role]["headers"])
            assert response.status_code == 403, (method, path, role, response.status_code)


def test_another_merchants_staff_never_reach_the_victims_objects(app, world, client):
    for method, path, _ in operations(app, "staff"):
        if not PARAM.search(path):
            continue
        response = _call(client, method, _url(path, world["ids"]),
                         world["tokens"]["owner"]["headers"])
        assert response.status_code in (403, 404, 422), (method, path, response.status_code)
    assert balance(client, world["b_member"]) == 100


def test_member_operations_never_reach_another_members_objects(app, world, client):
    for method, path, _ in operations(app, "member"):
        if PARAM.search(path):
            response = _call(client, method, _url(path, world["ids"]),
                             world["a_member"]["headers"])
            if path == SHARE_VISIT:
                assert response.json["reason"] == "unknown_share", response.json
            else:
                assert response.status_code in (404, 422), (method, path, response.status_code)
    assert balance(client, world["b_member"]) == 100


def test_the_contract_roles_are_enforced(app):
    """Spot checks of API.md's role column against what the document publishes."""
    published = {(m, p): op["x-roles"] for m, p, op in operations(app, "staff")}
    expectations = {
        ("post", "/api/v1/admin/members/{member_id}/adjustments"): {"support", "manager",
                                                                     "owner"},
        ("post", "/api/v1/admin/adjustments/{adjustment_id}/approve"): {"manager", "owner"},
        ("post", "/api/v1/admin/members/{member_id}/freeze"): {"manager", "owner"},
        ("put", "/api/v1/admin/rules"): {"owner"},
        ("get", "/api/v1/admin/rules"): set(ROLES),
        ("get", "/api/v1/admin/members"): set(ROLES),
        ("get", "/api/v1/admin/audit"): {"manager", "owner"},
        ("get", "/api/v1/admin/analytics/summary"): {"manager", "owner"},
    }
    for key, roles in expectations.items():
        assert set(published[key]) == roles, key


@pytest.mark.parametrize("query", ["' OR 1=1 --", "%' UNION SELECT password_hash FROM staff --",
                                   "\x00", "😀" * 20, "x" * 10_000])
def test_hostile_search_input_is_a_4xx_or_an_empty_page_never_a_500(world, client, query):
    response = client.get("/api/v1/admin/members", query_string={"q": query},
                          headers=world["tokens"]["clerk"]["headers"])
    assert response.status_code < 500
    if response.status_code == 200:
        assert response.json["items"] == []


def test_oversized_free_text_is_refused_with_422(world, client):
    member = world["a_member"]
    support = world["tokens"]["support"]
    too_long = "备注" * 5_000
    responses = [
        client.patch("/api/v1/me", headers=member["headers"], json={"nickname": too_long}),
        client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                    headers=support["headers"],
                    json={"delta": 1, "reason_code": "other", "note": too_long}),
    ]
    assert [r.status_code for r in responses] == [422, 422]
