from tests.helpers import balance, purchase


def test_engagement_leaves_the_ledger_verifiable(api, app, client):
    merchant = api.merchant()
    referrer = api.member(merchant)
    code = client.get("/api/v1/me/referral", headers=referrer["headers"]).json["code"]
    referee = api.member(merchant, referral_code=code)
    client.post("/api/v1/me/checkins", headers=referee["headers"])
    token = client.post("/api/v1/me/shares", headers=referrer["headers"],
                        json={"target_type": "page"}).json["token"]
    client.post(f"/api/v1/shares/{token}/visits", headers=referee["headers"])
    client.post(f"/api/v1/admin/members/{referee['id']}/activities",
                headers=api.staff(merchant, "clerk")["headers"], json={"task_code": "survey"})
    purchase(client, merchant, referee, 100)
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert balance(client, referrer) == 100 + 10 + 200
    assert balance(client, referee) == 100 + 5 + 50 + 200 + 1
