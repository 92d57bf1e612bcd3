"""Login flows: WeChat members, staff with a Redis-throttled password check."""

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from auth.members import directory
from auth.models import ROLES, Staff
from auth.tokens import issue_pair
from core import keys, merchants, wechat
from core.errors import RateLimited, ServiceUnavailable, Unauthorized, ValidationFailed
from core.extensions import db, rds


def wechat_login(*, appid: str, code: str, referral_code: str | None = None) -> dict:
    """Exchange a wx.login code for tokens, registering the member on first login."""
    merchant = merchants.by_appid(appid)
    if merchant is None:
        raise Unauthorized("Unknown appid.")
    try:
        session = wechat.code2session(merchant.appid, merchant.wechat_secret, code)
    except wechat.WeChatUnavailable as exc:
        raise ServiceUnavailable("WeChat is unreachable; try again.") from exc
    except wechat.WeChatError as exc:
        raise Unauthorized(f"WeChat refused the login code ({exc.errcode}).",
                           details={"errcode": exc.errcode}) from exc
    member, is_new = directory().login(merchant, session["openid"], unionid=session.get("unionid"),
                                   referral_code=referral_code)
    tokens = issue_pair("member", member.id, merchant.id)
    return {**tokens, "member": member, "is_new": is_new}


def staff_login(*, username: str, password: str, merchant_id: int | None = None) -> dict:
    """Check a staff password; 5 failures in 15 minutes lock the username out for a while."""
    staff = _find_staff(username, merchant_id)
    failures_key = keys.login_failures(staff.merchant_id if staff else merchant_id or 0,
                                       username)
    _refuse_if_throttled(failures_key)
    if staff is None or not staff.active or not check_password_hash(staff.password_hash,
                                                                     password):
        _count_failure(failures_key)
        raise Unauthorized("Wrong username or password.")
    rds.delete(failures_key)
    return {**issue_pair("staff", staff.id, staff.merchant_id, staff.role), "staff": staff}


def _find_staff(username: str, merchant_id: int | None) -> Staff | None:
    query = select(Staff).where(Staff.username == username)
    if merchant_id is not None:
        query = query.where(Staff.merchant_id == merchant_id)
    found = db.session.execute(query.limit(2)).scalars().all()
    if len(found) > 1:
        raise ValidationFailed(details={"merchant_id": [
            "This username exists at several merchants; give merchant_id."]})
    return found[0] if found else None


def _refuse_if_throttled(key: str) -> None:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if int(rds.get(key) or 0) >= limit:
        raise RateLimited(rds.ttl(key), "Too many failed logins; try again later.")


def _count_failure(key: str) -> None:
    pipe = rds.pipeline()
    pipe.incr(key)
    pipe.expire(key, current_app.config["LOGIN_FAILURE_WINDOW"], nx=True)
    pipe.execute()


def create_staff(*, merchant_id: int, username: str, password: str, role: str,
                 store_id: int | None = None) -> Staff:
    """A new staff account (operations CLI and demo seed)."""
    if role not in ROLES:
        raise ValidationFailed(details={"role": [f"One of {', '.join(ROLES)}."]})
    merchants.get(merchant_id)
    merchants.store_of(merchant_id, store_id)
    staff = Staff(merchant_id=merchant_id, username=username, role=role, store_id=store_id,
                  password_hash=generate_password_hash(password))
    db.session.add(staff)
    db.session.flush()
    return staff


def staff_of(merchant_id: int) -> list[Staff]:
    """The merchant's staff accounts (the console names people instead of showing ids)."""
    return list(db.session.execute(select(Staff).where(Staff.merchant_id == merchant_id)
                                   .order_by(Staff.id)).scalars())
