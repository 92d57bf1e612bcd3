"""Front-desk search: the last 4 phone digits (an indexed suffix column), card no, card QR."""

from sqlalchemy import inspect

from core.extensions import db


def _with_phone(api, client, merchant, phone, nickname):
    member = api.member(merchant)
    client.patch("/api/v1/me", headers=member["headers"],
                 json={"phone": phone, "nickname": nickname})
    return member


def _found(client, staff, q):
    response = client.get("/api/v1/admin/members", query_string={"q": q},
                          headers=staff["headers"])
    assert response.status_code == 200, response.json
    return [m["id"] for m in response.json["items"]]


def test_a_clerk_finds_members_by_the_last_four_digits_of_the_phone(api, client):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    alice = _with_phone(api, client, merchant, "13800005678", "爱丽丝")
    bob = _with_phone(api, client, merchant, "13900005678", "鲍勃")
    _with_phone(api, client, merchant, "13800001234", "卡罗尔")
    assert sorted(_found(client, clerk, "5678")) == sorted([alice["id"], bob["id"]])
    assert _found(client, clerk, "0000") == []  # a suffix, not a substring


def test_another_merchants_members_are_not_found_by_their_last_digits(api, client):
    _with_phone(api, client, api.merchant(), "13800005678", "爱丽丝")
    assert _found(client, api.staff(api.merchant(), "clerk"), "5678") == []


def test_a_scanned_card_qr_and_a_typed_card_number_find_the_member(api, client):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    alice = api.member(merchant)
    card = client.get("/api/v1/me/card", headers=alice["headers"]).json
    assert _found(client, clerk, card["qr_payload"]) == [alice["id"]]
    assert _found(client, clerk, card["card_no"]) == [alice["id"]]


def test_the_phone_suffix_follows_phone_changes_and_is_indexed(api, client, app):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk")
    alice = _with_phone(api, client, merchant, "13800005678", "爱丽丝")
    client.patch("/api/v1/me", headers=alice["headers"], json={"phone": "13800004321"})
    assert _found(client, clerk, "5678") == [] and _found(client, clerk, "4321") == [alice["id"]]
    with app.app_context():
        indexes = inspect(db.engine).get_indexes("members")
    assert ["merchant_id", "phone_suffix"] in [i["column_names"] for i in indexes]


def test_staff_see_their_colleagues_by_name_and_role_only(api, client):
    merchant = api.merchant()
    clerk = api.staff(merchant, "clerk", username="小李")
    api.staff(api.merchant(), "owner", username="outsider")
    body = client.get("/api/v1/admin/staff", headers=clerk["headers"]).json
    assert body == {"items": [{"id": clerk["id"], "username": "小李", "role": "clerk"}]}


def test_the_ledger_tells_staff_which_entries_are_already_reversed(api, client):
    merchant = api.merchant()
    member, support = api.member(merchant), api.staff(merchant, "support")
    credit = client.post(f"/api/v1/admin/members/{member['id']}/adjustments",
                         headers=support["headers"],
                         json={"delta": 40, "reason_code": "goodwill"}).json
    client.post(f"/api/v1/admin/transactions/{credit['entry_id']}/reverse",
                headers=support["headers"], json={"reason": "typo"})
    entries = client.get(f"/api/v1/admin/members/{member['id']}/transactions",
                         headers=support["headers"]).json["items"]
    by_id = {e["id"]: e for e in entries}
    reversal = next(e for e in entries if e["reverses_id"])
    assert by_id[credit["entry_id"]]["reversed"] and not reversal["reversed"]
    assert reversal["reverses_id"] == credit["entry_id"]
