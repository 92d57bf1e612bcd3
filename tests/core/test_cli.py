import json
import subprocess
import sys

import requests

from core.extensions import db
from loyalty.models import LedgerEntry
from tests.servers import free_port, wait_until


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_merchant_and_staff_create(app):
    runner = app.test_cli_runner()
    merchant = _json(runner.invoke(args=["merchant", "create", "--name", "美丽诊所",
                                         "--appid", "wx-cli", "--wechat-secret", "s"]))
    assert set(merchant) == {"merchant_id", "pos_key_id", "pos_secret"}
    staff = _json(runner.invoke(args=["staff", "create", "--merchant-id",
                                      str(merchant["merchant_id"]), "--username", "boss",
                                      "--password", "pw-123456", "--role", "owner"]))
    assert staff["staff_id"] > 0
    duplicate = runner.invoke(args=["staff", "create", "--merchant-id",
                                    str(merchant["merchant_id"]), "--username", "boss",
                                    "--password", "x", "--role", "owner"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    again = runner.invoke(args=["merchant", "create", "--name", "x", "--appid", "wx-cli",
                                "--wechat-secret", "s"])
    assert again.exit_code != 0 and "appid" in again.output
    bad_zone = runner.invoke(args=["merchant", "create", "--name", "x", "--appid", "wx-2",
                                   "--wechat-secret", "s", "--timezone", "Mars/Olympus"])
    assert bad_zone.exit_code != 0


def test_demo_seed_is_idempotent_and_its_logins_work(app, client):
    runner = app.test_cli_runner()
    first = _json(runner.invoke(args=["demo", "seed"]))
    second = _json(runner.invoke(args=["demo", "seed"]))
    assert first["created"] is True and second["created"] is False
    assert first["merchant_id"] == second["merchant_id"]
    roles = {s["role"] for s in first["staff"]}
    assert roles == {"owner", "manager", "clerk", "support"}
    login = first["staff"][0]
    assert client.post("/api/v1/auth/staff/login", json={
        "merchant_id": first["merchant_id"], "username": login["username"],
        "password": login["password"]}).status_code == 200
    response = client.post("/api/v1/auth/wechat/login", json={
        "appid": first["appid"], "code": first["member_login_codes"][0]})
    assert response.json["is_new"] is False


def test_ledger_verify_passes_and_fails_with_exit_1(api, app):
    api.member(api.merchant())
    runner = app.test_cli_runner()
    assert _json(runner.invoke(args=["ledger", "verify"])) == {"ok": True, "failures": []}
    with app.app_context():
        entry = db.session.query(LedgerEntry).one()
        entry.balance_after += 1  # simulate corruption (never done by the app)
        db.session.commit()
    broken = runner.invoke(args=["ledger", "verify"])
    assert broken.exit_code == 1 and '"chain_breaks": 1' in broken.output
    with app.app_context():
        entry = db.session.query(LedgerEntry).one()
        entry.balance_after -= 1
        db.session.commit()


def test_scheduled_jobs_print_json(app):
    runner = app.test_cli_runner()
    assert _json(runner.invoke(args=["points", "expire"]))["points"] == 0
    assert _json(runner.invoke(args=["points", "notify-expiring"])) == {"queued": 0}
    assert _json(runner.invoke(args=["outbox", "send"])) == {}
    assert _json(runner.invoke(args=["tiers", "evaluate"])) == {"merchants": []}


def test_wechat_fake_command_serves_the_protocol():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "wechat-fake",
                                "--port", str(port)], env={"JIFEN_ENV": "development",
                                                          "PATH": "/usr/bin:/bin"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        # Importing the app in a fresh interpreter takes seconds on a loaded machine.
        wait_until(lambda: _answers(base), "flask wechat-fake to listen", timeout=60)
        answer = requests.get(f"{base}/sns/jscode2session", params={"js_code": "fake-zoe"},
                              timeout=10).json()
        assert answer["openid"] == "zoe" and answer["session_key"]
        bad = requests.get(f"{base}/sns/jscode2session", params={"js_code": "x"}, timeout=10)
        assert bad.json()["errcode"] == 40029
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(base: str) -> bool:
    try:
        requests.get(f"{base}/sns/jscode2session", params={"js_code": "x"}, timeout=10)
    except requests.ConnectionError:
        return False
    return True
