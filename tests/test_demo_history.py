"""`flask demo seed --history 90`: a dashboard with 90 days of history, written once, fast."""

import time
from datetime import date, timedelta

from loyalty import verify
from tests.helpers import cli


def test_ninety_days_of_history_fill_the_dashboard_and_keep_the_ledger_true(app, client):
    started = time.monotonic()
    first = cli(app, "demo", "seed", "--history", "90")
    assert time.monotonic() - started < 60  # set-based: a few seconds on an idle machine
    assert first["history"]["created"] and first["history"]["members"] >= 200
    assert cli(app, "demo", "seed", "--history", "90")["history"] == {"created": False}
    with app.app_context():
        assert verify.failures() == []
    login = client.post("/api/v1/auth/staff/login", json={
        "merchant_id": first["merchant_id"], "username": "owner",
        "password": first["staff"][0]["password"]}).json
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    today = date.fromisoformat(
        client.get("/api/v1/admin/analytics/summary", headers=headers).json["to"])
    series = client.get("/api/v1/admin/analytics/timeseries", headers=headers, query_string={
        "from": (today - timedelta(days=89)).isoformat(), "to": today.isoformat()}).json["items"]
    assert sum(1 for point in series if point["issued"]) >= 60
    assert any(point["redeemed"] for point in series) and any(p["expired"] for p in series)
    tiers = client.get("/api/v1/admin/analytics/summary", headers=headers).json
    assert len([n for n in tiers["tier_distribution"].values() if n]) >= 2
