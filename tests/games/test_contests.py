"""Contests: the leaderboard (ties, refunds, masks, own rank) and settlement exactly once."""

from datetime import UTC, datetime, timedelta

from core import keys
from core.extensions import rds
from games import contests
from tests.games.play import create_contest, window
from tests.helpers import assert_error, balance, cli, pos_post, purchase, run_concurrently


def _spend(client, merchant, member, fen, minutes_ago, order_no):
    paid_at = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    response = purchase(client, merchant, member, fen, order_no=order_no, paid_at=paid_at)
    assert response.status_code in (200, 201), response.json


def _named(api, client, merchant, nickname):
    member = api.member(merchant)
    client.patch("/api/v1/me", headers=member["headers"], json={"nickname": nickname})
    return member


def _race(api, client, merchant):
    """Ann and Bo spend 100 yuan each (Ann first); Cy spends 250 then gets 200 refunded."""
    ann, bo, cy = (_named(api, client, merchant, n) for n in ("安娜", "博文", "晨阳"))
    _spend(client, merchant, ann, 10_000, 30, "ann-1")
    _spend(client, merchant, bo, 10_000, 20, "bo-1")
    _spend(client, merchant, cy, 25_000, 10, "cy-1")
    return ann, bo, cy


def _board(client, member, contest):
    response = client.get(f"/api/v1/contests/{contest['id']}/leaderboard",
                          headers=member["headers"])
    assert response.status_code == 200, response.json
    return response.json


def test_ties_go_to_who_reached_the_score_first_and_refunds_lower_a_score(api, client, app):
    merchant = api.merchant()
    owner = api.staff(merchant)
    contest = create_contest(client, owner)
    ann, bo, cy = _race(api, client, merchant)
    assert _board(client, cy, contest)["me"] == {"rank": 1, "score": 25_000}
    refund = {"order_no": "cy-1", "refund_no": "cy-r1", "amount_fen": 20_000}
    assert pos_post(client, merchant, "/api/v1/pos/refunds", refund).status_code == 200
    with app.app_context():  # the cached board lapses after BOARD_TTL seconds
        rds.delete(keys.contest_entries(merchant["id"], contest["id"]))
    board = _board(client, cy, contest)
    assert board["items"] == [{"rank": 1, "nickname_masked": "安**", "score": 10_000},
                              {"rank": 2, "nickname_masked": "博**", "score": 10_000},
                              {"rank": 3, "nickname_masked": "晨**", "score": 5_000}]
    assert board["me"] == {"rank": 3, "score": 5_000}
    outsider = api.member(merchant)
    assert _board(client, outsider, contest)["me"] is None
    standings = client.get(f"/api/v1/admin/contests/{contest['id']}/standings",
                           headers=owner["headers"]).json["items"]
    assert [(s["member_id"], s["points"]) for s in standings] == [
        (ann["id"], 100), (bo["id"], 50), (cy["id"], 50)]


def test_settlement_awards_exactly_once_even_when_run_twice_at_once(api, client, app, clock):
    merchant = api.merchant()
    owner = api.staff(merchant)
    contest = create_contest(client, owner)
    ann, bo, cy = _race(api, client, merchant)
    assert cli(app, "contests", "settle") == {"settled": []}  # not ended yet
    clock.set(datetime.now(UTC) + timedelta(hours=2))

    def settle(_):
        with app.app_context():
            return contests.settle_due()

    runs = run_concurrently(settle, range(2))
    assert sorted(len(r["settled"]) for r in runs) == [0, 1]
    assert cli(app, "contests", "settle") == {"settled": []}
    assert [balance(client, m) for m in (cy, ann, bo)] == [100 + 250 + 100, 250, 250]
    settled = client.get("/api/v1/admin/contests", headers=owner["headers"]).json["items"]
    assert settled[0]["settled_at"] is not None
    assert_error(client.patch(f"/api/v1/admin/contests/{contest['id']}",
                              headers=owner["headers"], json={"title": "x"}), 409, "CONFLICT")


def test_points_earned_counts_earnings_in_the_window_net_of_clawbacks(api, client):
    merchant = api.merchant()
    contest = create_contest(client, api.staff(merchant), metric="points_earned")
    member = api.member(merchant)  # the sign-up bonus is earned inside the window too
    _spend(client, merchant, member, 10_000, 1, "p-1")
    pos_post(client, merchant, "/api/v1/pos/refunds",
             {"order_no": "p-1", "refund_no": "p-r1", "amount_fen": 5_000})
    me = _board(client, member, contest)["me"]
    assert me["rank"] == 1 and me["score"] == 100 - 50 + _signup_bonus(client, member)


def _signup_bonus(client, member):
    entries = client.get("/api/v1/me/points/transactions", headers=member["headers"]).json
    return sum(e["amount"] for e in entries["items"] if e["reason_code"] == "signup")


def test_bad_contests_are_422_and_nothing_is_created(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant)
    good = {"title": "t", "metric": "spend_fen", **window(),
            "awards": [{"rank_from": 1, "rank_to": 3, "points": 10}]}
    bad = [{**good, "metric": "likes"},
           {**good, "starts_at": good["ends_at"], "ends_at": good["starts_at"]},
           {**good, "awards": [{"rank_from": 1, "rank_to": 3, "points": 10},
                               {"rank_from": 3, "rank_to": 4, "points": 5}]},
           {**good, "awards": [{"rank_from": 2, "rank_to": 1, "points": 10}]},
           {**good, "awards": [{"rank_from": 1, "rank_to": 1, "points": 0}]},
           {**good, "awards": []}]
    for body in bad:
        assert_error(client.post("/api/v1/admin/contests", headers=owner["headers"], json=body),
                     422, "VALIDATION_ERROR")
    assert client.get("/api/v1/admin/contests", headers=owner["headers"]).json["items"] == []


def test_contests_keep_roles_and_tenants_apart(api, client):
    merchant, other = api.merchant(), api.merchant()
    contest = create_contest(client, api.staff(merchant))
    clerk = api.staff(merchant, "clerk")
    assert_error(client.post("/api/v1/admin/contests", headers=clerk["headers"], json={}),
                 403, "FORBIDDEN")
    stranger = api.member(other)
    assert_error(client.get(f"/api/v1/contests/{contest['id']}/leaderboard",
                            headers=stranger["headers"]), 404, "NOT_FOUND")
    assert client.get("/api/v1/contests", headers=stranger["headers"]).json["items"] == []
    assert_error(client.patch(f"/api/v1/admin/contests/{contest['id']}",
                              headers=api.staff(other)["headers"], json={"title": "x"}),
                 404, "NOT_FOUND")
