import requests

from core.extensions import db
from tests.helpers import assert_error


def test_first_login_creates_a_member_with_a_card_and_signup_bonus(api, client):
    merchant = api.merchant()
    member = api.member(merchant, "alice")
    assert member["is_new"] is True
    assert len(member["card_no"]) >= 12
    me = client.get("/api/v1/me", headers=member["headers"]).json
    assert me["id"] == member["id"] and me["tier"] == "starlight"


def test_returning_member_is_not_new(api):
    merchant = api.merchant()
    first = api.member(merchant, "bob")
    again = api.member(merchant, "bob")
    assert again["is_new"] is False and again["id"] == first["id"]


def test_the_same_openid_at_two_merchants_is_two_members(api):
    one, two = api.merchant(), api.merchant()
    assert api.member(one, "carol")["id"] != api.member(two, "carol")["id"]


def test_invalid_code_is_401(api, client):
    merchant = api.merchant()
    response = client.post("/api/v1/auth/wechat/login",
                           json={"appid": merchant["appid"], "code": "not-a-fake-code"})
    error = assert_error(response, 401, "UNAUTHORIZED")
    assert error["details"]["errcode"] == 40029


def test_unknown_appid_is_401(client):
    response = client.post("/api/v1/auth/wechat/login", json={"appid": "wx-nope", "code": "fake-x"})
    assert_error(response, 401, "UNAUTHORIZED")


def test_wechat_busy_is_503(api, client, wechat_server):
    merchant = api.merchant()
    requests.post(f"{wechat_server}/_fake/script",
                  json={"endpoint": "jscode2session", "errcodes": [-1]}, timeout=5)
    response = client.post("/api/v1/auth/wechat/login",
                           json={"appid": merchant["appid"], "code": "fake-dave"})
    assert_error(response, 503, "SERVICE_UNAVAILABLE")


def test_unreachable_wechat_is_503_and_creates_nothing(api, app, client):
    merchant = api.merchant()
    app.config["WECHAT_API_BASE"], saved = "http://127.0.0.1:9", app.config["WECHAT_API_BASE"]
    try:
        response = client.post("/api/v1/auth/wechat/login",
                               json={"appid": merchant["appid"], "code": "fake-erin"})
    finally:
        app.config["WECHAT_API_BASE"] = saved
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    with app.app_context():
        from loyalty.models import Member

        assert db.session.query(Member).count() == 0


def test_missing_fields_are_422_with_field_details(client):
    response = client.post("/api/v1/auth/wechat/login", json={"appid": "wx"})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert "code" in error["details"]
