"""The denylist mirror: a revocation in one process is refused at once by every other, from
its mirror while the subscription is current and from Redis when it is not."""

import time

import pytest

from app import create_app
from auth.tokens import denylist_keys
from core.extensions import rds
from tests.conftest import forget_mirror
from tests.helpers import assert_error, bearer


@pytest.fixture(scope="module")
def other(app):
    """A second app on the same database and Redis: another process's mirror."""
    return create_app({key: app.config[key] for key in (
        "TESTING", "JIFEN_ENV", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "WECHAT_API_BASE",
        "JWT_SECRET_KEY", "CLOCK")})


@pytest.fixture(autouse=True)
def _forget(request, app, other):
    on_cluster = not app.extensions["jifen.mirror"].enabled
    if on_cluster != (request.node.name == "test_on_a_cluster_the_mirror_stays_off"):
        pytest.skip("the mirror is off on a Redis Cluster" if on_cluster else "a cluster test")
    forget_mirror(other)  # as conftest does for `app`: the previous test flushed Redis


def _current(app, claims_keys):
    """Wait until the app's mirror is current; its view of `claims_keys`."""
    mirror = app.extensions["jifen.mirror"]
    deadline = time.monotonic() + 5
    while (values := mirror.lookup(claims_keys)) is None:
        assert time.monotonic() < deadline, "the mirror never became current"
        time.sleep(0.01)
    return values


def _watched(app, token):
    with app.test_request_context(headers=bearer(token)):
        from flask_jwt_extended import decode_token
        return denylist_keys(decode_token(token))


def test_logout_here_is_refused_there_at_once_from_the_mirror(app, client, api, other):
    member = api.member(api.merchant())
    watched = _watched(app, member["token"])
    assert _current(other, watched) == [None, None, None]
    assert other.test_client().get("/api/v1/me", headers=member["headers"]).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).status_code == 200
    seen = other.extensions["jifen.mirror"].lookup(watched)  # no wait: applied, or unread
    assert seen is None or seen[0] == "1"  # and then the request reads Redis
    assert_error(other.test_client().get("/api/v1/me", headers=member["headers"]),
                 401, "UNAUTHORIZED")
    assert _current(other, watched)[0] == "1"


def test_family_and_subject_revocations_reach_the_other_process(app, client, api, other):
    merchant = api.merchant()
    member, owner = api.member(merchant), api.staff(merchant, "owner")
    rotated = client.post("/api/v1/auth/refresh", headers=bearer(member["refresh"])).json
    second = api.member(merchant, openid=member["openid"])  # another login, same member
    _current(other, _watched(app, rotated["access_token"]))
    assert client.post("/api/v1/auth/logout", headers=bearer(rotated["refresh_token"])
                       ).status_code == 200
    assert_error(other.test_client().get("/api/v1/me", headers=bearer(rotated["access_token"])),
                 401, "UNAUTHORIZED")
    assert other.test_client().get("/api/v1/me", headers=second["headers"]).status_code == 200
    assert client.post(f"/api/v1/admin/members/{member['id']}/anonymise",
                       headers=owner["headers"]).status_code == 200
    assert_error(other.test_client().get("/api/v1/me", headers=second["headers"]),
                 401, "UNAUTHORIZED")


def test_a_dead_subscription_falls_back_to_redis(app, api, other):
    member = api.member(api.merchant())
    watched = _watched(app, member["token"])
    with app.app_context():
        rds.set(watched[0], "1", ex=60)  # denied without an announcement: the mirror can't know
    assert _current(other, watched) == [None, None, None]
    forget_mirror(other)
    assert other.extensions["jifen.mirror"].lookup(watched) is None
    assert_error(other.test_client().get("/api/v1/me", headers=member["headers"]),
                 401, "UNAUTHORIZED")


def test_a_restarted_subscription_catches_up_from_the_journal(app, client, api, other):
    member = api.member(api.merchant())
    watched = _watched(app, member["token"])
    _current(other, watched)
    forget_mirror(other)
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).status_code == 200
    assert _current(other, watched)[0] == "1"


def test_on_a_cluster_the_mirror_stays_off(app, client, api, other):
    member = api.member(api.merchant())
    watched = _watched(app, member["token"])
    assert other.extensions["jifen.mirror"].lookup(watched) is None
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).status_code == 200
    assert_error(other.test_client().get("/api/v1/me", headers=member["headers"]),
                 401, "UNAUTHORIZED")
