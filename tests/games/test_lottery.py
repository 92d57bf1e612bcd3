"""The lottery over HTTP: staff editing, published odds, draws, stock, limits, replays."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError

from core import keys
from core.extensions import db, rds
from games import odds, prize_stock
from tests.games.play import LOTTERY, create_lottery, draw, window
from tests.helpers import assert_error, balance, cli, run_concurrently
from tests.mall.shop import create_item, many_members

POINTS_ONLY = [{"name": "20积分", "kind": "points", "points": 20, "stock": 2, "weight": 1}]


def test_a_draw_spends_the_cost_and_awards_the_prize_in_one_operation(api, client):
    merchant = api.merchant()
    lottery = create_lottery(client, api.staff(merchant), prizes=POINTS_ONLY)
    member = api.member(merchant)
    response = draw(client, member, lottery)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["points_spent"] == 10 and body["points_won"] == 20
    assert body["prize"]["kind"] == "points" and body["prize"]["points"] == 20
    assert balance(client, member) == 100 - 10 + 20
    mine = client.get("/api/v1/me/draws", headers=member["headers"]).json["items"]
    assert [d["draw_id"] for d in mine] == [body["draw_id"]]
    assert mine[0]["weights"] == {str(lottery["prizes"][0]["id"]): 1}


def test_members_see_odds_renormalised_over_prizes_with_stock_left(api, client, app):
    merchant = api.merchant()
    prizes = [{"name": "大奖", "kind": "points", "points": 5, "stock": 1, "weight": 1},
              {"name": "谢谢参与", "kind": "none", "weight": 3}]
    lottery = create_lottery(client, api.staff(merchant), prizes=prizes, daily_limit=100,
                             cost_points=1)  # 100 draws: missing a 1-in-4 prize is ~1e-13
    member = api.member(merchant)
    shown = client.get(f"/api/v1/lotteries/{lottery['id']}", headers=member["headers"]).json
    assert [p["odds"] for p in shown["prizes"]] == [0.25, 0.75]
    assert shown["draws_left_today"] == 100 and shown["cost_points"] == 1
    while not any(d["prize"] for d in client.get(
            "/api/v1/me/draws", headers=member["headers"]).json["items"]):
        assert draw(client, member, lottery).status_code == 201
    listed = client.get("/api/v1/lotteries", headers=member["headers"]).json["items"]
    assert [p["odds"] for p in listed[0]["prizes"]] == [0.0, 1.0]


def test_an_item_prize_is_a_free_paid_mall_order_with_a_voucher(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    item = create_item(client, owner, type="service", stock=3, points_price=500)
    prizes = [{"name": "免费护理", "kind": "item", "item_id": item["id"], "stock": 1,
               "weight": 1}]
    lottery = create_lottery(client, owner, prizes=prizes)
    member = api.member(merchant)
    body = draw(client, member, lottery).json
    order = client.get(f"/api/v1/me/orders/{body['prize']['order_id']}",
                       headers=member["headers"]).json
    assert order["status"] == "paid" and order["points"] == 0
    assert len(client.get("/api/v1/me/vouchers", headers=member["headers"]).json["items"]) == 1
    assert balance(client, member) == 90
    assert client.get(f"/api/v1/admin/items/{item['id']}",
                      headers=owner["headers"]).json["stock"] == 2
    assert_error(draw(client, member, lottery), 409, "OUT_OF_STOCK")
    assert balance(client, member) == 90


def test_a_replayed_idempotency_key_draws_once(api, client):
    merchant = api.merchant()
    lottery = create_lottery(client, api.staff(merchant))
    member = api.member(merchant)
    first, again = draw(client, member, lottery, "k-1"), draw(client, member, lottery, "k-1")
    assert first.status_code == again.status_code == 201 and first.json == again.json
    stats = client.get(f"/api/v1/admin/lotteries/{lottery['id']}/stats",
                       headers=api.staff(merchant)["headers"]).json
    assert stats["draws"] == 1 and stats["points_spent"] == 10
    assert balance(client, member) == 90 + first.json["points_won"]


def test_20_members_drawing_5_times_at_once_never_exceed_a_prizes_stock(api, client, app):
    merchant = api.merchant()
    owner = api.staff(merchant)
    prizes = [{"name": "30积分", "kind": "points", "points": 30, "stock": 7, "weight": 5},
              {"name": "谢谢参与", "kind": "none", "weight": 1}]
    lottery = create_lottery(client, owner, prizes=prizes, daily_limit=5)
    racers = many_members(app, merchant, 20)
    results = run_concurrently(lambda racer: draw(app.test_client(), racer, lottery),
                               [r for r in racers for _ in range(5)])
    assert Counter(r.status_code for r in results) == {201: 100}, Counter(
        r.json["error"]["message"] for r in results if r.status_code != 201)
    won = Counter(r.json["prize"]["name"] if r.json["prize"] else None for r in results)
    assert won["30积分"] == 7 and won[None] == 93
    stats = client.get(f"/api/v1/admin/lotteries/{lottery['id']}/stats",
                       headers=owner["headers"]).json
    assert stats["draws"] == 100 and stats["prizes"][0]["stock"] == 0
    for racer in racers:
        mine = client.get("/api/v1/me/draws", headers=racer["headers"]).json["items"]
        assert balance(client, racer) == 100 - 50 + sum(d["points_won"] for d in mine)
        for made in mine:  # each draw can be replayed from what it stored
            weights = {int(k): v for k, v in made["weights"].items()}
            assert odds.pick(weights, made["roll"]) == made["prize_id"]


def test_the_daily_limit_holds_under_concurrent_draws(api, client, app):
    merchant = api.merchant()
    lottery = create_lottery(client, api.staff(merchant), daily_limit=2)
    member = api.member(merchant)
    results = run_concurrently(lambda _: draw(app.test_client(), member, lottery), range(8))
    assert Counter(r.status_code for r in results) == {201: 2, 409: 6}
    assert {r.json["error"]["code"] for r in results if r.status_code == 409} == {
        "LIMIT_EXCEEDED"}
    won = sum(r.json["points_won"] for r in results if r.status_code == 201)
    assert balance(client, member) == 100 - 20 + won
    shown = client.get(f"/api/v1/lotteries/{lottery['id']}", headers=member["headers"]).json
    assert shown["draws_left_today"] == 0


def test_a_member_short_of_points_or_frozen_is_refused_and_nothing_moves(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    lottery = create_lottery(client, owner, prizes=POINTS_ONLY, cost_points=150)
    member = api.member(merchant)
    assert_error(draw(client, member, lottery), 409, "INSUFFICIENT_POINTS")
    cheap = create_lottery(client, owner, prizes=POINTS_ONLY)
    client.post(f"/api/v1/admin/members/{member['id']}/freeze", headers=owner["headers"])
    assert_error(draw(client, member, cheap), 403, "MEMBER_FROZEN")
    client.post(f"/api/v1/admin/members/{member['id']}/unfreeze", headers=owner["headers"])
    assert balance(client, member) == 100
    for made in (lottery, cheap):
        stats = client.get(f"/api/v1/admin/lotteries/{made['id']}/stats",
                           headers=owner["headers"]).json
        assert stats["draws"] == 0 and stats["prizes"][0]["stock"] == 2
    assert draw(client, member, cheap).status_code == 201


def test_redis_down_is_503_and_nothing_is_spent(api, client, monkeypatch):
    merchant = api.merchant()
    lottery = create_lottery(client, api.staff(merchant), prizes=POINTS_ONLY)
    member = api.member(merchant)

    def down(*_args, **_kwargs):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(Script, "__call__", down)
    response = client.post(f"/api/v1/lotteries/{lottery['id']}/draws",
                           headers=member["headers"])
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    monkeypatch.undo()
    assert balance(client, member) == 100
    assert client.get("/api/v1/me/draws", headers=member["headers"]).json["items"] == []


def test_bad_lotteries_are_422_and_nothing_is_created(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    other_item = create_item(client, api.staff(api.merchant()))
    draft = create_item(client, owner, status="draft")
    bad = [{**LOTTERY, **window(), "prizes": []},
           {**LOTTERY, **window(), "prizes": [{**POINTS_ONLY[0], "weight": 0}]},
           {**LOTTERY, **window(), "prizes": [{"name": "x", "kind": "points", "weight": 1}]},
           {**LOTTERY, **window(), "prizes": [{"name": "x", "kind": "item", "weight": 1,
                                               "item_id": other_item["id"]}]},
           {**LOTTERY, **window(), "prizes": [{"name": "x", "kind": "item", "weight": 1,
                                               "item_id": draft["id"]}]},
           {**LOTTERY, **window(), "cost_points": -1},
           {**LOTTERY, "starts_at": window()["ends_at"], "ends_at": window()["starts_at"]}]
    for body in bad:
        response = client.post("/api/v1/admin/lotteries", headers=owner["headers"], json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
    assert client.get("/api/v1/admin/lotteries", headers=owner["headers"]).json["items"] == []


def test_staff_patch_a_lottery_and_retired_prizes_drop_out(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    lottery = create_lottery(client, owner)
    keep = lottery["prizes"][0]
    url = f"/api/v1/admin/lotteries/{lottery['id']}"
    assert_error(client.patch(url, headers=owner["headers"], json={"daily_limit": 0}),
                 422, "VALIDATION_ERROR")
    changed = client.patch(url, headers=owner["headers"], json={
        "title": "新年转盘", "prizes": [{**{k: keep[k] for k in ("id", "name", "kind",
                                                               "points", "weight")},
                                        "stock": 9}]})
    assert changed.status_code == 200, changed.json
    assert changed.json["title"] == "新年转盘" and len(changed.json["prizes"]) == 1
    assert changed.json["prizes"][0]["stock"] == 9
    member = api.member(merchant)
    shown = client.get(f"/api/v1/lotteries/{lottery['id']}", headers=member["headers"]).json
    assert [p["odds"] for p in shown["prizes"]] == [1.0]


def test_roles_and_tenants_are_kept_apart(api, client):
    merchant, other = api.merchant(), api.merchant()
    lottery = create_lottery(client, api.staff(merchant))
    clerk = api.staff(merchant, "clerk")
    assert_error(client.get("/api/v1/admin/lotteries", headers=clerk["headers"]),
                 403, "FORBIDDEN")
    outsider = api.staff(other)
    assert_error(client.patch(f"/api/v1/admin/lotteries/{lottery['id']}",
                              headers=outsider["headers"], json={"title": "x"}),
                 404, "NOT_FOUND")
    stranger = api.member(other)
    assert_error(draw(client, stranger, lottery), 404, "NOT_FOUND")
    assert balance(client, stranger) == 100


def test_a_lottery_outside_its_window_cannot_be_drawn(api, client):
    merchant = api.merchant()
    lottery = create_lottery(client, api.staff(merchant),
                             **window(before=-timedelta(hours=1), after=timedelta(hours=2)))
    member = api.member(merchant)
    assert_error(draw(client, member, lottery), 409, "CONFLICT")
    assert client.get("/api/v1/lotteries", headers=member["headers"]).json["items"] == []


def test_redis_prize_stock_is_rebuilt_from_the_database_and_dead_holds_are_released(
        api, client, app, clock):
    merchant = api.merchant()
    owner = api.staff(merchant)
    lottery = create_lottery(client, owner, prizes=POINTS_ONLY)
    prize_id = lottery["prizes"][0]["id"]
    member = api.member(merchant)
    assert draw(client, member, lottery).status_code == 201
    with app.app_context():
        made = prize_stock.lock(merchant["id"], lottery["id"])
        assert prize_stock.take(made, prize_id) is not None  # a worker died after this
        db.session.rollback()
        rds.delete(keys.lottery_stock(merchant["id"], lottery["id"]))
    shown = client.get(f"/api/v1/lotteries/{lottery['id']}", headers=member["headers"]).json
    assert shown["prizes"][0]["odds"] == 0.0  # 1 left in the database, held by the dead draw
    clock.set(datetime.now(UTC) + timedelta(minutes=6))
    assert cli(app, "lotteries", "reconcile") == {"lotteries": 1}
    with app.app_context():
        assert rds.hlen(keys.lottery_holds(merchant["id"], lottery["id"])) == 0
    clock.reset()
    shown = client.get(f"/api/v1/lotteries/{lottery['id']}", headers=member["headers"]).json
    assert shown["prizes"][0]["odds"] == 1.0
    assert draw(client, member, lottery).json["points_won"] == 20
    assert_error(draw(client, member, lottery), 409, "OUT_OF_STOCK")


def test_the_daily_limit_resets_at_the_merchants_local_midnight(api, client, clock):
    merchant = api.merchant(timezone="Asia/Shanghai")
    lottery = create_lottery(client, api.staff(merchant), daily_limit=1,
                             starts_at="2020-01-01T00:00:00Z", ends_at="2099-01-01T00:00:00Z")
    member = api.member(merchant)
    clock.set(datetime(2026, 12, 1, 15, 58, tzinfo=UTC))  # 23:58 in Shanghai
    assert draw(client, member, lottery).status_code == 201
    assert_error(draw(client, member, lottery), 409, "LIMIT_EXCEEDED")
    clock.advance(minutes=3)  # 00:01 the next local day, still 1 December in UTC
    assert draw(client, member, lottery).status_code == 201
