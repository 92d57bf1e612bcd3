"""A local stand-in for WeChat's servers, speaking their protocol over real HTTP.

jscode2session answers `fake-<openid>` with that openid and any other code with 40029;
getuserphonenumber answers `phone-<digits>` with that number and any other code with 40029.
Tests and the demo steer it through `/_fake/*`: queue errcodes for the next calls and read
the subscribe messages it received.
"""

import secrets
import threading

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


class FakeWeChat:
    """State and handlers of the fake; `app` is the Flask app serving them."""

    def __init__(self):
        self.messages: list[dict] = []
        self.scripted: dict[str, list[int]] = {}
        self.tokens: set[str] = set()
        self.lock = threading.Lock()
        self.app = Flask("wechat_fake")
        for rule, method, handler in (
            ("/sns/jscode2session", "GET", self.jscode2session),
            ("/cgi-bin/token", "GET", self.token),
            ("/cgi-bin/message/subscribe/send", "POST", self.subscribe_send),
            ("/wxa/business/getuserphonenumber", "POST", self.phone_number),
            ("/_fake/messages", "GET", self.list_messages),
            ("/_fake/reset", "POST", self.reset),
            ("/_fake/script", "POST", self.script),
        ):
            self.app.add_url_rule(rule, handler.__name__, handler, methods=[method])

    def _scripted_error(self, endpoint: str):
        with self.lock:
            queue = self.scripted.get(endpoint) or []
            errcode = queue.pop(0) if queue else None
        return jsonify(errcode=errcode, errmsg="scripted error") if errcode else None

    def jscode2session(self):
        if error := self._scripted_error("jscode2session"):
            return error
        code = request.args.get("js_code", "")
        if not code.startswith("fake-") or len(code) <= 5:
            return jsonify(errcode=40029, errmsg="invalid code")
        return jsonify(openid=code[5:], session_key=secrets.token_urlsafe(16))

    def token(self):
        if error := self._scripted_error("token"):
            return error
        value = "fake-token-" + secrets.token_hex(8)
        with self.lock:
            self.tokens.add(value)
        return jsonify(access_token=value, expires_in=7200)

    def subscribe_send(self):
        if error := self._scripted_error("subscribe"):
            return error
        if request.args.get("access_token") not in self.tokens:
            return jsonify(errcode=40001, errmsg="invalid credential")
        with self.lock:
            self.messages.append(request.get_json(force=True))
        return jsonify(errcode=0, errmsg="ok")

    def phone_number(self):
        if error := self._scripted_error("phone"):
            return error
        if request.args.get("access_token") not in self.tokens:
            return jsonify(errcode=40001, errmsg="invalid credential")
        code = (request.get_json(force=True, silent=True) or {}).get("code") or ""
        digits = code[6:] if code.startswith("phone-") else ""
        if not (digits.isascii() and digits.isdigit() and 5 <= len(digits) <= 15):
            return jsonify(errcode=40029, errmsg="invalid code")
        return jsonify(errcode=0, errmsg="ok", phone_info={
            "phoneNumber": digits, "purePhoneNumber": digits, "countryCode": "86",
            "watermark": {"appid": "fake", "timestamp": 0}})

    def list_messages(self):
        return jsonify(messages=self.messages)

    def reset(self):
        with self.lock:
            self.messages.clear()
            self.scripted.clear()
            self.tokens.clear()
        return jsonify(ok=True)

    def script(self):
        body = request.get_json(force=True)
        with self.lock:
            self.scripted.setdefault(body["endpoint"], []).extend(body["errcodes"])
        return jsonify(ok=True)


def create_fake_app() -> Flask:
    """The fake WeChat API as a WSGI app."""
    return FakeWeChat().app


def serve_in_thread(port: int = 0):
    """Start the fake on 127.0.0.1 in a daemon thread; returns the server (server.port)."""
    server = make_server("127.0.0.1", port, create_fake_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
