import time

import jwt as pyjwt

from tests.helpers import PASSWORD, assert_error, bearer


def _login(client, merchant, username, password=PASSWORD):
    return client.post("/api/v1/auth/staff/login", json={
        "merchant_id": merchant["id"], "username": username, "password": password})


def test_staff_login_returns_tokens_and_the_staff_without_secrets(api, client):
    merchant = api.merchant()
    owner = api.staff(merchant, "owner", "olivia")
    body = _login(client, merchant, "olivia").json
    assert body["staff"] == {"id": owner["id"], "merchant_id": merchant["id"],
                             "username": "olivia", "role": "owner", "store_id": None}
    assert "password" not in str(body) and "pbkdf2" not in str(body) and "scrypt" not in str(body)


def test_merchant_id_may_be_omitted_when_the_username_is_unique(api, client):
    merchant = api.merchant()
    api.staff(merchant, "clerk", "unique-clerk")
    response = client.post("/api/v1/auth/staff/login",
                           json={"username": "unique-clerk", "password": PASSWORD})
    assert response.status_code == 200


def test_wrong_password_is_401(api, client):
    merchant = api.merchant()
    api.staff(merchant, "owner", "oscar")
    assert_error(_login(client, merchant, "oscar", "wrong"), 401, "UNAUTHORIZED")
    assert_error(_login(client, merchant, "nobody", "wrong"), 401, "UNAUTHORIZED")


def test_five_failures_throttle_even_the_right_password(api, client):
    merchant = api.merchant()
    api.staff(merchant, "manager", "mia")
    for _ in range(5):
        assert_error(_login(client, merchant, "mia", "wrong"), 401, "UNAUTHORIZED")
    response = _login(client, merchant, "mia")
    assert_error(response, 429, "RATE_LIMITED")
    assert 0 < int(response.headers["Retry-After"]) <= 900


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api, client):
    merchant = api.merchant()
    staff = api.staff(merchant)
    first = client.post("/api/v1/auth/refresh", headers=bearer(staff["refresh"]))
    assert first.status_code == 200
    new_pair = first.json
    assert client.get("/api/v1/admin/members", headers=bearer(new_pair["access_token"]))\
        .status_code != 401
    replay = client.post("/api/v1/auth/refresh", headers=bearer(staff["refresh"]))
    assert_error(replay, 401, "UNAUTHORIZED")
    assert client.post("/api/v1/auth/refresh",
                       headers=bearer(new_pair["refresh_token"])).status_code == 200


def test_an_access_token_cannot_refresh(api, client):
    staff = api.staff(api.merchant())
    assert_error(client.post("/api/v1/auth/refresh", headers=staff["headers"]),
                 401, "UNAUTHORIZED")


def test_logout_revokes_the_presented_token(api, client):
    member = api.member(api.merchant())
    assert client.get("/api/v1/me", headers=member["headers"]).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).json == {"revoked": True}
    assert_error(client.get("/api/v1/me", headers=member["headers"]), 401, "UNAUTHORIZED")


def _claims(app, **override):
    now = int(time.time())
    claims = {"sub": "1", "mid": 1, "kind": "member", "role": None, "type": "access",
              "jti": "j", "iat": now, "nbf": now, "exp": now + 600, "fresh": False}
    return {**claims, **override}


def test_tampered_expired_wrong_key_and_alg_none_tokens_are_401(api, app, client):
    member = api.member(api.merchant())
    secret = app.config["JWT_SECRET_KEY"]
    claims = _claims(app, sub=str(member["id"]), mid=member["id"])
    head, body, sig = member["token"].split(".")
    tampered = f"{head}.{body[:-2]}AA.{sig}"
    expired = pyjwt.encode({**claims, "exp": int(time.time()) - 10}, secret, "HS256")
    wrong_key = pyjwt.encode(claims, "another-secret-" + "y" * 40, "HS256")
    unsigned = pyjwt.encode(claims, None, "none")
    for token in (tampered, expired, wrong_key, unsigned, "garbage"):
        assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "UNAUTHORIZED")
    assert_error(client.get("/api/v1/me"), 401, "UNAUTHORIZED")
