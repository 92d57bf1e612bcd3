"""A member's phone, verified through WeChat's phone-number button; it claims walk-in points.

A phone typed into the profile (PATCH /me) is never verified and claims nothing.
"""

from sqlalchemy import select

from core import events, wechat
from core.clock import now
from core.errors import ServiceUnavailable, ValidationFailed
from core.extensions import db
from core.models import Merchant
from loyalty import ledger, members
from till import walkin
from till.models import VerifiedPhone


def verify(member, code: str) -> dict:
    """Exchange WeChat's phone code, store the verified phone and claim what it holds."""
    merchant = db.session.get(Merchant, member.merchant_id)
    phone = walkin.normalize_phone(_from_wechat(merchant, code))
    if phone is None:
        raise ValidationFailed(details={"code": ["WeChat gave no usable phone number."]})
    # The member row, then the account (as POS earning does): one member's claims in turn.
    db.session.refresh(member, with_for_update=True)
    ledger.lock_account(member.merchant_id, member.id)
    _remember(member, phone)
    claimed = walkin.claim(member, phone)
    # After the walk-in claim, in this transaction: crm joins a member imported on this phone.
    events.publish(events.PHONE_VERIFIED, merchant_id=member.merchant_id, member_id=member.id,
                   phone=phone)
    db.session.commit()
    return {"phone_masked": members.mask_phone(phone), "verified": True,
            "claimed_points": claimed}


def _from_wechat(merchant: Merchant, code: str) -> str:
    try:
        return wechat.phone_number(merchant, code)
    except wechat.WeChatUnavailable as exc:
        raise ServiceUnavailable("WeChat is unreachable; try again.") from exc
    except wechat.WeChatError as exc:
        raise ValidationFailed(f"WeChat refused the phone code ({exc.errcode}).",
                               details={"code": [f"WeChat errcode {exc.errcode}"]}) from exc


def _remember(member, phone: str) -> None:
    row = db.session.execute(select(VerifiedPhone).where(
        VerifiedPhone.member_id == member.id)).scalar_one_or_none()
    if row is None:
        row = VerifiedPhone(merchant_id=member.merchant_id, member_id=member.id)
        db.session.add(row)
    row.phone_hash, row.verified_at = walkin.phone_hash(member.merchant_id, phone), now()
    member.phone = phone
    db.session.flush()
