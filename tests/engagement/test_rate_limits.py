import pytest

from app import create_app
from tests.helpers import assert_error

CALENDAR = "/api/v1/me/checkins"


@pytest.fixture
def throttled_app(app):
    """The app with tight limits, so that a few requests reach them."""
    return create_app({**app.config, "RATE_LIMITS": {
        "engagement": {"subject": "2/minute", "ip": "4/minute"},
        "login": {"ip": "2/minute"},
    }})


def test_a_member_over_the_limit_gets_429_with_retry_after(api, throttled_app):
    merchant = api.merchant()
    member, other = api.member(merchant), api.member(merchant)
    client = throttled_app.test_client()
    assert [client.get(CALENDAR, headers=member["headers"]).status_code
            for _ in range(2)] == [200, 200]
    response = client.get(CALENDAR, headers=member["headers"])
    error = assert_error(response, 429, "RATE_LIMITED")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert error["details"]["retry_after"] == int(response.headers["Retry-After"])
    assert client.get(CALENDAR, headers=other["headers"]).status_code == 200


def test_one_ip_over_its_limit_is_refused_for_every_member_but_others_ips_are_not(
        api, throttled_app):
    merchant = api.merchant()
    members = [api.member(merchant) for _ in range(5)]
    client = throttled_app.test_client()
    statuses = [client.get(CALENDAR, headers=m["headers"]).status_code for m in members]
    assert statuses == [200, 200, 200, 200, 429]
    elsewhere = client.get(CALENDAR, headers=members[4]["headers"],
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 200


def test_a_throttled_check_in_changes_nothing(api, throttled_app):
    member = api.member(api.merchant())
    client = throttled_app.test_client()
    statuses = [client.post(CALENDAR, headers=member["headers"]).status_code for _ in range(3)]
    assert statuses == [201, 409, 429]
    assert client.get("/api/v1/me/points", headers=member["headers"]).json["balance"] == 105


def test_logins_are_limited_per_ip(api, throttled_app):
    merchant = api.merchant()
    client = throttled_app.test_client()

    def login(openid):
        return client.post("/api/v1/auth/wechat/login", json={
            "appid": merchant["appid"], "code": f"fake-{openid}"})

    assert [login(f"user-{n}").status_code for n in range(2)] == [200, 200]
    assert_error(login("user-3"), 429, "RATE_LIMITED")
    staff = client.post("/api/v1/auth/staff/login",
                        json={"username": "nobody", "password": "x"})
    assert staff.status_code == 401  # its own endpoint, its own window


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_the_client_ip_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
        api, app, trusted_proxies):
    proxied = create_app({**app.config, "TRUSTED_PROXIES": trusted_proxies, "RATE_LIMITS": {
        "engagement": {"subject": "100/minute", "ip": "2/minute"}, "login": {"ip": "2/minute"}}})
    merchant = api.merchant()
    members = [api.member(merchant) for _ in range(3)]
    client = proxied.test_client()
    statuses = [client.get(CALENDAR, headers={**m["headers"], "X-Forwarded-For": f"10.0.0.{n}"},
                           environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code
                for n, m in enumerate(members)]
    # Behind the proxy each client is its own IP; without one the header is a forgery.
    assert statuses == ([200, 200, 200] if trusted_proxies else [200, 200, 429])
