"""Tenancy services: merchants and stores."""

import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from core.errors import NotFound, ValidationFailed
from core.extensions import db
from core.models import Merchant, Store


def create_merchant(*, name: str, appid: str, wechat_secret: str, rules: dict,
                    timezone: str = "Asia/Shanghai") -> tuple[Merchant, str]:
    """A new tenant with fresh POS credentials; returns (merchant, pos_secret)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(details={"timezone": ["Unknown timezone."]}) from exc
    if by_appid(appid):
        raise ValidationFailed(details={"appid": ["This appid already has a merchant."]})
    pos_secret = secrets.token_hex(32)
    merchant = Merchant(name=name, appid=appid, wechat_secret=wechat_secret,
                        timezone=timezone, pos_key_id="pk_" + secrets.token_hex(8),
                        pos_secret=pos_secret, rules=rules)
    db.session.add(merchant)
    db.session.flush()
    return merchant, pos_secret


def by_appid(appid: str) -> Merchant | None:
    """The merchant owning a mini-program appid."""
    return db.session.execute(select(Merchant).where(Merchant.appid == appid)).scalar_one_or_none()


def by_pos_key(key_id: str) -> Merchant | None:
    """The merchant owning a POS key id."""
    return db.session.execute(
        select(Merchant).where(Merchant.pos_key_id == key_id)).scalar_one_or_none()


def get(merchant_id: int) -> Merchant:
    """One merchant, or NOT_FOUND."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("Unknown merchant.")
    return merchant


def store_of(merchant_id: int, store_id: int | None) -> Store | None:
    """A store of this merchant (None when not given); another merchant's store is NOT_FOUND."""
    if store_id is None:
        return None
    store = db.session.get(Store, store_id)
    if store is None or store.merchant_id != merchant_id:
        raise NotFound("Unknown store.")
    return store
