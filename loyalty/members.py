"""Members: registration on first WeChat login, lookup, profile and status."""

from sqids import Sqids
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core import events
from core.errors import MemberFrozen, NotFound
from core.extensions import db
from core.models import Merchant
from loyalty import ledger
from loyalty.models import Member, PointsAccount

CARD_CODES = Sqids(alphabet="3705218964", min_length=12)
# No 0/O, 1/I/L: codes are read aloud and typed from posters.
REFERRAL_CODES = Sqids(alphabet="K8M3VXPD7QZ4HJ9WNRC5TGY2AE6FBS", min_length=6)
MAX_ID = 2**63 - 1  # BIGINT
CARD_QR_PREFIX = "jifen://card/"  # statements.qr_payload


def login(merchant: Merchant, openid: str, *, unionid: str | None = None,
          referral_code: str | None = None) -> tuple[Member, bool]:
    """The member behind an openid, registering them (with sign-up bonus) on first login."""
    member = _by_openid(merchant.id, openid)
    if member is not None:
        return member, False
    try:
        member = _register(merchant, openid, unionid, referral_code)
        db.session.commit()
        return member, True
    except IntegrityError:
        # A concurrent first login of the same openid won the race.
        db.session.rollback()
        return _by_openid(merchant.id, openid), False


def _by_openid(merchant_id: int, openid: str) -> Member | None:
    return db.session.execute(select(Member).where(
        Member.merchant_id == merchant_id, Member.openid == openid)).scalar_one_or_none()


def _register(merchant, openid, unionid, referral_code) -> Member:
    referrer = referrer_for(merchant.id, referral_code)
    member = Member(merchant_id=merchant.id, openid=openid, unionid=unionid,
                    tier_code=merchant.rules["tiers"][0]["code"],
                    referrer_id=referrer.id if referrer else None)
    db.session.add(member)
    db.session.flush()
    member.card_no = CARD_CODES.encode([member.id])
    db.session.add(PointsAccount(merchant_id=merchant.id, member_id=member.id))
    db.session.flush()
    events.publish(events.MEMBER_JOINED, member=member)
    bonus = merchant.rules["signup_bonus"]
    if bonus:
        ledger.post(merchant_id=merchant.id, member_id=member.id, amount=bonus, type="earn",
                    reason="signup", ref=ledger.Ref("member", str(member.id)),
                    idempotency_key=f"signup:{member.id}")
    return member


def referral_code(member: Member) -> str:
    """The member's short, case-insensitive referral code."""
    return REFERRAL_CODES.encode([member.merchant_id, member.id])


def referrer_for(merchant_id: int, code: str | None) -> Member | None:
    """The member a referral code names, if it is a valid code of this merchant."""
    decoded = _referral_ids(code)
    if decoded is None or decoded[0] != merchant_id:
        return None
    referrer = db.session.get(Member, decoded[1])
    if referrer is None or referrer.merchant_id != merchant_id or referrer.anonymized_at:
        return None
    return referrer


def _referral_ids(code: str | None) -> list[int] | None:
    """[merchant_id, member_id] of a well-formed code, else None."""
    normalized = (code or "").strip().upper()
    decoded = REFERRAL_CODES.decode(normalized)
    # Only canonical codes count: other strings decode to arbitrary, even out-of-range ids.
    if len(decoded) != 2 or max(decoded) > MAX_ID or REFERRAL_CODES.encode(decoded) != normalized:
        return None
    return decoded


def get(merchant_id: int, member_id: int) -> Member:
    """A member of this merchant, or NOT_FOUND (also for other merchants' members)."""
    member = db.session.identity_map.get(identity_key(Member, member_id))
    if member is None and (row := db.session.execute(select(Member, Merchant).join(
            Merchant, Merchant.id == Member.merchant_id).where(Member.id == member_id)).first()):
        # entities of a select, not a loader option: a later refresh (a FOR UPDATE) of the
        # member stays a query of its own table
        member, merchant = row
        set_committed_value(member, "merchant", merchant)
    if member is None or member.merchant_id != merchant_id:
        raise NotFound("Unknown member.")
    return member


def find(merchant_id: int, *, card_no=None, phone=None, member_id=None) -> Member:
    """Look a member up by card number, phone or id (POS and staff search)."""
    conditions = []
    if card_no:
        conditions.append(Member.card_no == card_no)
    if phone:
        conditions.append(Member.phone == phone)
    if member_id:
        conditions.append(Member.id == member_id)
    if not conditions:
        raise NotFound("Unknown member.")
    member = db.session.execute(select(Member).where(
        Member.merchant_id == merchant_id, or_(*conditions),
        Member.anonymized_at.is_(None)).limit(1)).scalar_one_or_none()
    if member is None:
        raise NotFound("Unknown member.")
    return member


def ensure_active(member: Member) -> None:
    """Frozen members neither earn nor redeem."""
    if member.status == "frozen":
        raise MemberFrozen()


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough for a clerk to confirm, not enough to misuse (PIPL)."""
    if not phone:
        return None
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def cards(merchant_id: int, member_ids) -> dict[int, dict]:
    """How staff recognise members: {id: {id, nickname, phone_masked, card_no}}."""
    ids = {member_id for member_id in member_ids if member_id}
    if not ids:
        return {}
    found = db.session.execute(select(Member).where(
        Member.merchant_id == merchant_id, Member.id.in_(ids))).scalars()
    return {m.id: {"id": m.id, "nickname": m.nickname, "phone_masked": mask_phone(m.phone),
                   "card_no": m.card_no} for m in found}


def search(merchant_id: int, q: str | None):
    """A select of members matching a card number (typed or its scanned QR), a phone, the
    phone's last 4 digits (indexed suffix column) or part of a nickname."""
    query = select(Member).where(Member.merchant_id == merchant_id)
    if q:
        q = q.strip().removeprefix(CARD_QR_PREFIX)
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions = [Member.card_no == q, Member.phone == q,
                      Member.nickname.ilike(pattern, escape="\\")]
        if len(q) == 4 and q.isdigit():
            conditions.append(Member.phone_suffix == q)
        query = query.where(or_(*conditions))
    return query
