from datetime import UTC, datetime

from tests.helpers import assert_error, purchase


def test_profile_patch_and_masked_phone(api, client):
    member = api.member(api.merchant())
    patched = client.patch("/api/v1/me", headers=member["headers"], json={
        "nickname": "小美", "gender": "female", "birthday": "1995-03-08",
        "phone": "13812345678", "avatar_url": "https://img.example.com/a.png"})
    assert patched.status_code == 200
    assert patched.json["phone_masked"] == "138****5678" and patched.json["nickname"] == "小美"
    assert_error(client.patch("/api/v1/me", headers=member["headers"], json={"phone": "abc"}),
                 422, "VALIDATION_ERROR")


def test_card_shows_tier_next_tier_and_qr(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    card = client.get("/api/v1/me/card", headers=member["headers"]).json
    assert card["card_no"] == member["card_no"]
    assert card["tier"] == {"code": "starlight", "name": "星耀 Starlight", "multiplier": "1.00"}
    assert card["next_tier"] == {"code": "platinum", "name": "铂金 Platinum",
                                 "growth_needed": 5000}
    assert member["card_no"] in card["qr_payload"]
    png = client.get("/api/v1/me/card/qr.png", headers=member["headers"])
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


def test_spend_upgrades_the_tier_at_once_and_redemptions_do_not_reduce_growth(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    purchase(client, merchant, member, 500_000)  # 5000 yuan → growth 5000 → platinum
    card = client.get("/api/v1/me/card", headers=member["headers"]).json
    assert card["tier"]["code"] == "platinum" and card["growth_value"] == 5000
    support = api.staff(merchant, "support")
    client.post(f"/api/v1/admin/members/{member['id']}/adjustments", headers=support["headers"],
                json={"delta": -1000, "reason_code": "correction"})
    assert client.get("/api/v1/me/card", headers=member["headers"]).json["growth_value"] == 5000
    # platinum multiplier 1.2 applies from now on
    assert purchase(client, merchant, member, 10_000).json["points_earned"] == 120


def test_points_show_what_expires_when(api, client, clock):
    merchant = api.merchant()
    clock.set(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    member = api.member(merchant)
    clock.set(datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    purchase(client, merchant, member, 2_000)
    points = client.get("/api/v1/me/points", headers=member["headers"]).json
    assert points["balance"] == 120 and points["lifetime_earned"] == 120
    assert [(e["points"], e["expires_at"][:10]) for e in points["expiring"]] == [
        (100, "2027-03-01"), (20, "2027-05-01")]


def test_transactions_paginate_newest_first(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    for n in range(4):
        purchase(client, merchant, member, 1_000 * (n + 1), order_no=f"page-{n}")
    first = client.get("/api/v1/me/points/transactions?limit=3", headers=member["headers"]).json
    assert [e["amount"] for e in first["items"]] == [40, 30, 20]
    assert first["items"][0]["ref"] == "pos_order:page-3"
    rest = client.get(f"/api/v1/me/points/transactions?limit=3&cursor={first['next_cursor']}",
                      headers=member["headers"]).json
    assert [e["amount"] for e in rest["items"]] == [10, 100] and rest["next_cursor"] is None
    assert_error(client.get("/api/v1/me/points/transactions?cursor=%%%",
                            headers=member["headers"]), 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/me/points/transactions?limit=101",
                            headers=member["headers"]), 422, "VALIDATION_ERROR")


def test_a_member_exports_their_own_data(api, client):
    member = api.member(api.merchant())
    client.patch("/api/v1/me", headers=member["headers"], json={"phone": "13812345678"})
    export = client.get("/api/v1/me/export", headers=member["headers"]).json
    assert export["profile"]["phone"] == "13812345678"
    assert export["points"]["balance"] == 100 and len(export["transactions"]) == 1
    assert "openid" not in export["profile"]


def test_staff_tokens_cannot_use_member_endpoints(api, client):
    staff = api.staff(api.merchant())
    assert_error(client.get("/api/v1/me", headers=staff["headers"]), 403, "FORBIDDEN")
