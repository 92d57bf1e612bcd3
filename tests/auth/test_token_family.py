"""Logout and anonymisation end the whole session: access and refresh tokens alike."""

from tests.helpers import assert_error, bearer


def _refresh(client, token):
    return client.post("/api/v1/auth/refresh", headers=bearer(token))


def test_logging_out_with_the_access_token_kills_its_refresh_token(api, client):
    merchant = api.merchant()
    member = api.member(merchant)
    assert client.post("/api/v1/auth/logout", headers=member["headers"]).status_code == 200
    assert_error(_refresh(client, member["refresh"]), 401, "UNAUTHORIZED")


def test_logging_out_ends_the_rotated_descendants_but_not_other_logins(api, client):
    merchant = api.merchant()
    staff = api.staff(merchant)
    other = api.staff(merchant, username=None)
    rotated = _refresh(client, staff["refresh"]).json
    assert client.post("/api/v1/auth/logout", headers=bearer(rotated["refresh_token"])
                       ).status_code == 200
    assert_error(client.get("/api/v1/admin/members", headers=bearer(rotated["access_token"])),
                 401, "UNAUTHORIZED")
    assert client.get("/api/v1/admin/members", headers=other["headers"]).status_code == 200


def test_an_anonymised_members_refresh_token_no_longer_works(api, client):
    merchant = api.merchant()
    member, owner = api.member(merchant), api.staff(merchant, "owner")
    done = client.post(f"/api/v1/admin/members/{member['id']}/anonymise",
                       headers=owner["headers"])
    assert done.status_code == 200, done.json
    assert_error(_refresh(client, member["refresh"]), 401, "UNAUTHORIZED")
    assert_error(client.get("/api/v1/me", headers=member["headers"]), 401, "UNAUTHORIZED")
