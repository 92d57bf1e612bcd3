from datetime import UTC, datetime

from loyalty.rules import default_rules
from tests.helpers import assert_error, balance, run_concurrently

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def _share(client, member, **target):
    response = client.post("/api/v1/me/shares", headers=member["headers"],
                           json=target or {"target_type": "item", "target_id": "42"})
    assert response.status_code == 201, response.json
    return response.json


def _visit(client, visitor, token):
    response = client.post(f"/api/v1/shares/{token}/visits", headers=visitor["headers"])
    assert response.status_code == 200, response.json
    return response.json


def test_a_share_has_an_unguessable_token_and_a_page_path(api, client):
    sharer = api.member(api.merchant())
    first, second = _share(client, sharer), _share(client, sharer, target_type="page")
    assert len(first["token"]) >= 20 and first["token"] != second["token"]
    assert first["token"] in first["url_path"]
    assert (first["target_type"], first["target_id"], second["target_id"]) == ("item", "42", None)
    bad = client.post("/api/v1/me/shares", headers=sharer["headers"], json={"target_type": "x"})
    assert "target_type" in assert_error(bad, 422, "VALIDATION_ERROR")["details"]


def test_a_distinct_other_member_opening_a_share_rewards_the_sharer(api, client):
    merchant = api.merchant()
    sharer, visitor = api.member(merchant), api.member(merchant)
    token = _share(client, sharer)["token"]
    assert _visit(client, visitor, token) == {
        "rewarded": True, "points": 10, "reason": None, "target_type": "item", "target_id": "42"}
    assert balance(client, sharer) == 110 and balance(client, visitor) == 100


def test_self_visits_repeat_visitors_and_unknown_tokens_credit_nothing(api, client):
    merchant = api.merchant()
    sharer, visitor = api.member(merchant), api.member(merchant)
    token, other_token = _share(client, sharer)["token"], _share(client, sharer)["token"]
    assert _visit(client, sharer, token)["reason"] == "self_visit"
    assert _visit(client, visitor, token)["rewarded"] is True
    assert _visit(client, visitor, token)["reason"] == "repeat_visitor"
    assert _visit(client, visitor, other_token)["reason"] == "repeat_visitor"
    unknown = _visit(client, visitor, "no-such-token")
    assert unknown == {"rewarded": False, "points": 0, "reason": "unknown_share",
                       "target_type": None, "target_id": None}
    assert balance(client, sharer) == 110


def test_visits_over_the_daily_cap_credit_nothing_until_the_next_local_day(api, client, clock):
    clock.set(NOON)
    merchant = api.merchant()
    sharer = api.member(merchant)
    visitors = [api.member(merchant) for _ in range(7)]
    token = _share(client, sharer)["token"]
    answers = [_visit(client, visitor, token) for visitor in visitors[:6]]
    assert [a["rewarded"] for a in answers] == [True] * 5 + [False]
    assert answers[-1] == {**answers[-1], "reason": "daily_cap_reached", "points": 0}
    clock.advance(days=1)
    assert _visit(client, visitors[5], token)["rewarded"] is True  # a new day
    assert balance(client, sharer) == 100 + 6 * 10


def test_the_daily_cap_holds_when_20_visitors_arrive_at_once(api, app):
    merchant = api.merchant()
    sharer = api.member(merchant)
    visitors = [api.member(merchant) for _ in range(20)]
    token = _share(app.test_client(), sharer)["token"]
    answers = run_concurrently(lambda v: _visit(app.test_client(), v, token), visitors)
    assert sum(a["rewarded"] for a in answers) == 5
    assert {a["reason"] for a in answers if not a["rewarded"]} == {"daily_cap_reached"}
    assert balance(app.test_client(), sharer) == 150


def test_one_visitor_tapping_20_times_at_once_is_rewarded_once(api, app):
    merchant = api.merchant()
    sharer, visitor = api.member(merchant), api.member(merchant)
    token = _share(app.test_client(), sharer)["token"]
    answers = run_concurrently(lambda _: _visit(app.test_client(), visitor, token), range(20))
    assert sum(a["rewarded"] for a in answers) == 1
    assert balance(app.test_client(), sharer) == 110


def test_a_frozen_sharer_earns_nothing(api, client):
    merchant = api.merchant()
    sharer, visitor = api.member(merchant), api.member(merchant)
    manager = api.staff(merchant, "manager")
    token = _share(client, sharer)["token"]
    client.post(f"/api/v1/admin/members/{sharer['id']}/freeze", headers=manager["headers"])
    assert _visit(client, visitor, token)["reason"] == "sharer_inactive"
    assert balance(client, sharer) == 100


def test_the_share_rules_come_from_the_merchant(api, client):
    rules = default_rules()
    rules["share"] = {"points_per_visit": 3, "max_rewarded_visits_per_day": 1}
    merchant = api.merchant(rules=rules)
    sharer = api.member(merchant)
    token = _share(client, sharer)["token"]
    answers = [_visit(client, api.member(merchant), token) for _ in range(2)]
    assert [(a["rewarded"], a["points"]) for a in answers] == [(True, 3), (False, 0)]


def test_another_merchants_member_cannot_use_a_share(api, client):
    sharer = api.member(api.merchant())
    stranger = api.member(api.merchant())
    token = _share(client, sharer)["token"]
    assert _visit(client, stranger, token)["reason"] == "unknown_share"
    assert balance(client, sharer) == 100
