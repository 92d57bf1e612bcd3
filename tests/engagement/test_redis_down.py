from redis.exceptions import ConnectionError as RedisDown

from app import create_app
from core.extensions import db
from engagement.models import CheckIn, Share
from tests.helpers import assert_error, balance


def test_with_redis_down_engagement_answers_503_and_changes_nothing(api, app, client):
    merchant = api.merchant()
    sharer, visitor = api.member(merchant), api.member(merchant)
    staff = api.staff(merchant, "clerk")
    token = client.post("/api/v1/me/shares", headers=sharer["headers"],
                        json={"target_type": "page"}).json["token"]
    broken = create_app({**app.config, "REDIS_URL": "redis://127.0.0.1:1/0"}).test_client()
    responses = [
        broken.post("/api/v1/me/checkins", headers=visitor["headers"]),
        broken.post(f"/api/v1/shares/{token}/visits", headers=visitor["headers"]),
        broken.post("/api/v1/me/shares", headers=sharer["headers"], json={"target_type": "page"}),
        broken.post(f"/api/v1/admin/members/{visitor['id']}/activities",
                    headers=staff["headers"], json={"task_code": "survey"}),
    ]
    for response in responses:
        assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert balance(client, sharer) == 100 and balance(client, visitor) == 100
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0
        assert db.session.query(Share).count() == 1
    assert client.post("/api/v1/me/checkins", headers=visitor["headers"]).status_code == 201



class _RedisGoneAfterLogin:
    def set(self, *_args, **_kwargs):
        raise RedisDown("connection refused")


def test_redis_failing_in_the_middle_of_a_check_in_is_503_and_records_nothing(api, app, client,
                                                                            monkeypatch):
    member = api.member(api.merchant())
    monkeypatch.setattr("engagement.checkin.rds", _RedisGoneAfterLogin())
    assert_error(client.post("/api/v1/me/checkins", headers=member["headers"]), 503,
                 "SERVICE_UNAVAILABLE")
    monkeypatch.undo()
    with app.app_context():
        assert db.session.query(CheckIn).count() == 0
    assert balance(client, member) == 100
