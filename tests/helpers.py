"""Small factories and an HTTP helper that the tests share."""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import count
from threading import Barrier

from flask.testing import FlaskClient

from auth.service import create_staff
from core import merchants
from core.extensions import db
from loyalty.pos import sign
from loyalty.rules import default_rules
from tests.scanning import SECRETS

PASSWORD = "correct-horse-battery"
_numbers = count(1)


class Api:
    """Creates tenants, staff and members, and logs them in over HTTP."""

    def __init__(self, app):
        self.app = app
        self.client: FlaskClient = app.test_client()

    def merchant(self, *, timezone="Asia/Shanghai", rules=None) -> dict:
        """A merchant with its POS credentials, as a dict."""
        n, wechat_secret = next(_numbers), f"wxsecret-{uuid.uuid4().hex}"
        with self.app.app_context():
            merchant, secret = merchants.create_merchant(
                name=f"Clinic {n}", appid=f"wx-test-{n}", wechat_secret=wechat_secret,
                timezone=timezone, rules=rules or default_rules())
            db.session.commit()
            SECRETS.update((wechat_secret, secret))
            return {"id": merchant.id, "appid": merchant.appid, "pos_key_id":
                    merchant.pos_key_id, "pos_secret": secret, "wechat_secret": wechat_secret}

    def staff(self, merchant: dict, role: str = "owner", username: str | None = None) -> dict:
        """A staff account, logged in: {id, username, token, refresh, headers}."""
        username = username or f"{role}{next(_numbers)}"
        with self.app.app_context():
            staff = create_staff(merchant_id=merchant["id"], username=username,
                                 password=PASSWORD, role=role)
            db.session.commit()
            staff_id = staff.id
        body = self.client.post("/api/v1/auth/staff/login", json={
            "merchant_id": merchant["id"], "username": username, "password": PASSWORD}).json
        return {"id": staff_id, "username": username, **_session(body)}

    def member(self, merchant: dict, openid: str | None = None, **extra) -> dict:
        """A member logged in through the fake WeChat: {id, card_no, token, headers, ...}."""
        openid = openid or f"openid-{next(_numbers)}"
        response = self.client.post("/api/v1/auth/wechat/login", json={
            "appid": merchant["appid"], "code": f"fake-{openid}", **extra})
        assert response.status_code == 200, response.json
        body = response.json
        return {**body["member"], "openid": openid, "is_new": body["is_new"], **_session(body)}


def _session(body: dict) -> dict:
    return {"token": body["access_token"], "refresh": body["refresh_token"],
            "headers": {"Authorization": f"Bearer {body['access_token']}"}}


def bearer(token: str) -> dict:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str):
    """The response is the contract's error JSON with this status and code."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.is_json, response.get_data(True)
    assert response.json["error"]["code"] == code, response.json
    assert response.json["error"]["message"]
    return response.json["error"]


def pos_headers(merchant: dict, path: str, body: bytes, *, timestamp: int | None = None,
                nonce: str | None = None, secret: str | None = None) -> dict:
    """Signed POS headers for one request (fresh nonce unless given)."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex
    signature = sign(secret or merchant["pos_secret"], timestamp, nonce, "POST", path, body)
    return {"X-Jifen-Key": merchant["pos_key_id"], "X-Jifen-Timestamp": timestamp,
            "X-Jifen-Nonce": nonce, "X-Jifen-Signature": signature,
            "Content-Type": "application/json"}


def pos_post(client, merchant: dict, path: str, payload: dict, **signing):
    """POST a signed request to a POS endpoint."""
    body = json.dumps(payload).encode()
    return client.post(path, data=body, headers=pos_headers(merchant, path, body, **signing))


def purchase(client, merchant: dict, member: dict, amount_fen: int, order_no: str | None = None,
             **extra):
    """Report a POS purchase for a member (by member id)."""
    payload = {"order_no": order_no or f"o-{next(_numbers)}",
               "member": {"member_id": member["id"]}, "amount_fen": amount_fen,
               "paid_at": datetime.now(UTC).isoformat(), **extra}
    return pos_post(client, merchant, "/api/v1/pos/orders", payload)


def cli(app, *args) -> dict:
    """Run a `flask` command in-process; it must succeed and print JSON last."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def balance(client, member: dict) -> int:
    """The member's balance as /me/points shows it."""
    return client.get("/api/v1/me/points", headers=member["headers"]).json["balance"]


def run_concurrently(fn, arguments):
    """Call fn on each argument, one real thread each, released together; results in order."""
    arguments = list(arguments)
    barrier = Barrier(len(arguments))

    def start_together(argument):
        barrier.wait(timeout=30)
        return fn(argument)

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(start_together, arguments))
