from datetime import UTC, datetime

from core.extensions import db, rds
from engagement.models import CheckIn
from tests.helpers import assert_error, balance, run_concurrently

# 23:30 in Shanghai on 24 November; 15:30 UTC.
LATE_EVENING = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


def _check_in(client, member):
    return client.post("/api/v1/me/checkins", headers=member["headers"])


def test_a_check_in_credits_the_first_ladder_step_and_a_second_one_today_is_409(api, client,
                                                                               clock):
    clock.set(LATE_EVENING)
    member = api.member(api.merchant())
    response = _check_in(client, member)
    assert response.status_code == 201, response.json
    assert response.json == {"date": "2026-11-24", "streak": 1, "points": 5}
    assert_error(_check_in(client, member), 409, "ALREADY_CHECKED_IN")
    assert balance(client, member) == 105


def test_50_concurrent_check_ins_credit_exactly_once(api, app):
    member = api.member(api.merchant())
    statuses = run_concurrently(
        lambda _: _check_in(app.test_client(), member).status_code, range(50))
    assert statuses.count(201) == 1 and statuses.count(409) == 49
    assert balance(app.test_client(), member) == 105


def test_midnight_in_shanghai_starts_a_new_day_while_utc_is_still_on_the_old_one(api, client,
                                                                               clock):
    shanghai, utc = api.merchant(), api.merchant(timezone="UTC")
    members = [api.member(shanghai), api.member(utc)]
    clock.set(datetime(2026, 11, 24, 15, 59, tzinfo=UTC))  # 23:59 in Shanghai
    assert [_check_in(client, m).status_code for m in members] == [201, 201]
    clock.set(datetime(2026, 11, 24, 16, 1, tzinfo=UTC))  # 00:01 on the 25th in Shanghai
    after_midnight = _check_in(client, members[0])
    assert after_midnight.status_code == 201
    assert after_midnight.json == {"date": "2026-11-25", "streak": 2, "points": 5}
    assert_error(_check_in(client, members[1]), 409, "ALREADY_CHECKED_IN")


def test_the_ladder_cycles_after_seven_days_and_a_missed_day_resets_the_streak(api, client,
                                                                              clock):
    member = api.member(api.merchant())
    clock.set(LATE_EVENING)
    earned = []
    for _ in range(9):
        earned.append(_check_in(client, member).json["points"])
        clock.advance(days=1)
    assert earned == [5, 5, 10, 10, 15, 15, 30, 5, 5]
    clock.advance(days=1)  # a day without a check-in
    assert _check_in(client, member).json == {"date": "2026-12-04", "streak": 1, "points": 5}
    assert balance(client, member) == 100 + sum(earned) + 5


def test_the_calendar_shows_the_month_the_streak_and_today(api, client, clock):
    member = api.member(api.merchant())
    clock.set(datetime(2026, 11, 29, 4, 0, tzinfo=UTC))
    for _ in range(3):  # 29 and 30 November, 1 December
        _check_in(client, member)
        clock.advance(days=1)
    november = client.get("/api/v1/me/checkins?month=2026-11", headers=member["headers"]).json
    assert november["days"] == ["2026-11-29", "2026-11-30"]
    today = client.get("/api/v1/me/checkins", headers=member["headers"]).json
    assert today == {"month": "2026-12", "days": ["2026-12-01"], "streak": 3,
                     "today_checked_in": False, "next_points": 10}
    clock.advance(days=1)
    assert client.get("/api/v1/me/checkins", headers=member["headers"]).json["streak"] == 0
    bad = client.get("/api/v1/me/checkins?month=2026-13", headers=member["headers"])
    assert "month" in assert_error(bad, 422, "VALIDATION_ERROR")["details"]


def test_a_member_sees_only_their_own_calendar(api, client):
    merchant = api.merchant()
    one, other = api.member(merchant), api.member(merchant)
    _check_in(client, one)
    calendar = client.get("/api/v1/me/checkins", headers=other["headers"]).json
    assert calendar["days"] == [] and calendar["today_checked_in"] is False


def test_a_frozen_member_cannot_check_in(api, client):
    merchant = api.merchant()
    member, manager = api.member(merchant), api.staff(merchant, "manager")
    client.post(f"/api/v1/admin/members/{member['id']}/freeze", headers=manager["headers"])
    assert_error(_check_in(client, member), 403, "MEMBER_FROZEN")
    assert balance(client, member) == 100


def test_when_redis_forgets_a_check_in_the_database_still_refuses_the_second(api, app,
                                                                            client):
    member = api.member(api.merchant())
    assert _check_in(client, member).status_code == 201
    with app.app_context():
        rds.flushdb()
    assert_error(_check_in(client, member), 409, "ALREADY_CHECKED_IN")
    assert balance(client, member) == 105


def test_a_check_in_that_fails_half_way_releases_the_day_for_a_retry(api, app, client,
                                                                   monkeypatch):
    member = api.member(api.merchant())

    def broken(*_args, **_kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("loyalty.tiers.grown", broken)  # after the writes, on both paths
    assert_error(_check_in(client, member), 500, "INTERNAL_ERROR")
    monkeypatch.undo()
    assert _check_in(client, member).status_code == 201
    with app.app_context():
        assert db.session.query(CheckIn).count() == 1
    assert balance(client, member) == 105


def test_an_idempotency_key_replays_the_first_check_in(api, client):
    member = api.member(api.merchant())
    headers = {**member["headers"], "Idempotency-Key": "tap-1"}
    first = client.post("/api/v1/me/checkins", headers=headers)
    again = client.post("/api/v1/me/checkins", headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert balance(client, member) == 105
