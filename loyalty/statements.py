"""What a member sees of their own points: card, balance, expiring lots, history, export."""

import io
from itertools import groupby

import segno
from sqlalchemy import select

from core.clock import now
from core.extensions import db
from core.models import Merchant
from loyalty import hooks, ledger, members, tiers
from loyalty import rules as pure
from loyalty.models import LedgerEntry, Member


def card(member: Member) -> dict:
    """The member card: number, tier, growth, next tier and the QR payload a clerk scans."""
    rules = db.session.get(Merchant, member.merchant_id).rules
    tier = tiers.tier_of(member, rules["tiers"])
    return {"card_no": member.card_no,
            "tier": {"code": tier["code"], "name": tier["name"],
                     "multiplier": tier["multiplier"]},
            "growth_value": member.growth_value,
            "next_tier": pure.next_tier(member.growth_value, rules["tiers"]),
            "qr_payload": qr_payload(member), "qr_image_url": "/api/v1/me/card/qr.png",
            "advisor_name": hooks.advisors.name_of(member.merchant_id, member.id)}


def qr_payload(member: Member) -> str:
    """What the card's QR code encodes."""
    return f"jifen://card/{member.card_no}"


def qr_png(payload: str) -> bytes:
    """A PNG QR code (segno)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def points(member: Member) -> dict:
    """Balance, lifetime totals and what expires when (grouped by expiry day)."""
    account = member.account
    lots = ledger.live_lots(account.id, now())
    expiring = [{"expires_at": min(lot.expires_at for lot in group),
                 "points": sum(lot.remaining for lot in group)}
                for group in (list(g) for _, g in groupby(lots, key=lambda lot:
                                                           lot.expires_at.date()))]
    return {"balance": account.balance, "expiring": expiring,
            "lifetime_earned": account.lifetime_earned,
            "lifetime_redeemed": account.lifetime_redeemed, "debt": account.debt,
            "pending": hooks.pending.of_member(member.id)}


def transactions(member: Member):
    """A select of the member's ledger entries (paginate it, newest first)."""
    return select(LedgerEntry).where(LedgerEntry.member_id == member.id,
                                     LedgerEntry.merchant_id == member.merchant_id)


def export(member: Member) -> dict:
    """Everything we hold about the member (PIPL data portability)."""
    entries = db.session.execute(transactions(member).order_by(LedgerEntry.id)).scalars()
    return {
        "profile": {f: _plain(getattr(member, f)) for f in (
            "id", "card_no", "nickname", "avatar_url", "gender", "birthday", "phone",
            "tier_code", "growth_value", "status", "created_at")},
        "referral_code": members.referral_code(member),
        "points": points(member),
        "transactions": [{"id": e.id, "type": e.type, "reason_code": e.reason_code,
                          "amount": e.amount, "balance_after": e.balance_after,
                          "created_at": e.created_at.isoformat(), "note": e.note}
                         for e in entries],
    }


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def mark_reversed(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Set `reversed` on each entry that a reversal already took back (no second 撤销)."""
    ids = [entry.id for entry in entries]
    taken_back = set(db.session.execute(select(LedgerEntry.reverses_id).where(
        LedgerEntry.reverses_id.in_(ids))).scalars()) if ids else set()
    for entry in entries:
        entry.reversed = entry.id in taken_back
    return entries
