"""Client for the WeChat server APIs we call (code2Session, access token, subscribe messages,
verified phone numbers)."""

import logging

import requests
from flask import current_app

from core import keys
from core.extensions import rds

log = logging.getLogger("jifen.wechat")
BUSY = -1
TOKEN_INVALID = {40001, 42001}


class WeChatError(Exception):
    """WeChat answered with an errcode."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WeChatUnavailable(Exception):
    """WeChat could not be reached (or said it is busy)."""


def _call(method: str, path: str, **kwargs) -> dict:
    """One call with timeouts and a single retry on connection errors."""
    url = current_app.config["WECHAT_API_BASE"] + path
    timeout = current_app.config["WECHAT_TIMEOUT"]
    for attempt in (1, 2):
        try:
            response = requests.request(method, url, timeout=timeout, **kwargs)
            break
        except (requests.ConnectionError, requests.Timeout) as exc:
            log.warning("wechat %s attempt %d failed: %s", path, attempt, exc)
            if attempt == 2:
                raise WeChatUnavailable(str(exc)) from exc
    try:
        body = response.json()
    except ValueError as exc:
        raise WeChatUnavailable(f"non-JSON answer (HTTP {response.status_code})") from exc
    errcode = body.get("errcode", 0)
    if errcode == BUSY:
        raise WeChatUnavailable("WeChat is busy")
    if errcode:
        raise WeChatError(errcode, body.get("errmsg", ""))
    return body


def code2session(appid: str, secret: str, code: str) -> dict:
    """Exchange a wx.login code for {openid, session_key, unionid?}."""
    return _call("GET", "/sns/jscode2session", params={
        "appid": appid, "secret": secret, "js_code": code,
        "grant_type": "authorization_code"})


def access_token(merchant, *, refresh: bool = False) -> str:
    """The merchant's API access token, cached in Redis until shortly before expiry."""
    key = keys.wechat_access_token(merchant.id)
    cached = None if refresh else rds.get(key)
    if cached:
        return cached
    body = _call("GET", "/cgi-bin/token", params={
        "grant_type": "client_credential", "appid": merchant.appid,
        "secret": merchant.wechat_secret})
    ttl = max(int(body.get("expires_in", 7200)) - 300, 60)
    rds.set(key, body["access_token"], ex=ttl)
    return body["access_token"]


def send_subscribe_message(merchant, message: dict) -> None:
    """Send one subscribe message; refreshes the access token once when it was invalid."""
    try:
        _send(merchant, message, access_token(merchant))
    except WeChatError as exc:
        if exc.errcode not in TOKEN_INVALID:
            raise
        _send(merchant, message, access_token(merchant, refresh=True))


def phone_number(merchant, code: str) -> str:
    """The phone a getuserphonenumber code stands for (purePhoneNumber, no country code)."""
    try:
        body = _phone(code, access_token(merchant))
    except WeChatError as exc:
        if exc.errcode not in TOKEN_INVALID:
            raise
        body = _phone(code, access_token(merchant, refresh=True))
    return body["phone_info"]["purePhoneNumber"]


def _phone(code: str, token: str) -> dict:
    return _call("POST", "/wxa/business/getuserphonenumber",
                 params={"access_token": token}, json={"code": code})


def _send(merchant, message, token):
    _call("POST", "/cgi-bin/message/subscribe/send",
          params={"access_token": token}, json=message)
