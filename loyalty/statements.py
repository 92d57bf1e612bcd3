"""What a member sees of their own points: card, balance, expiring lots, history, export."""

import io
from functools import cache
from itertools import groupby

import segno
from sqlalchemy import String, bindparam, literal, null, select, text, type_coerce, union_all

from core.clock import now
from core.errors import Unauthorized
from core.extensions import db
from core.models import Merchant
from core.types import UTCDateTime
from loyalty import hooks, ledger, members, tiers
from loyalty import rules as pure
from loyalty.models import LedgerEntry, Lot, Member, PointsAccount


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
    return _points(db.session, member.merchant_id, member.id)


def points_of(merchant_id: int, member_id: int) -> dict:
    """`points` by ids, outside any transaction (one statement is its own snapshot): no
    BEGIN and ROLLBACK round trips around it. Only while the member exists and is not
    anonymised, else UNAUTHORIZED."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return _points(connection, merchant_id, member_id)


def as_json(points_: dict) -> dict:
    """`points` as PointsSchema dumps it (integers, ISO 8601 times), without marshmallow: the
    balance read is hot enough for the schema's walk over one row to show."""
    return {**points_,
            "expiring": [{**lot, "expires_at": lot["expires_at"].isoformat()}
                         for lot in points_["expiring"]],
            "pending": [{**item, "available_at": item["available_at"].isoformat()}
                        for item in points_["pending"]]}


def _points(executor, merchant_id: int, member_id: int) -> dict:
    """The points of a member in one SQL statement, on a session or a connection."""
    rows = executor.execute(_points_statement(hooks.pending), {
        "merchant_id": merchant_id, "member_id": member_id, "moment": now()}).all()
    if not rows or rows[0][0] != "a":
        raise Unauthorized("Unknown member.")
    (_, balance, earned, redeemed, debt, _, _), lots = rows[0], [r for r in rows if r[0] == "l"]
    expiring = [{"expires_at": min(row[5] for row in group),
                 "points": sum(row[1] for row in group)}
                for group in (list(g) for _, g in groupby(lots, key=lambda row: row[5].date()))]
    return {"balance": balance, "expiring": expiring, "lifetime_earned": earned,
            "lifetime_redeemed": redeemed, "debt": debt,
            "pending": [{"points": points, "available_at": available_at, "source": "pos_order",
                         "order_no": order_no}
                        for kind, points, _, _, _, available_at, order_no in rows if kind == "p"]}


@cache  # built once per pending slot: building it costs more than running it
def _points_statement(pending_slot):
    """Rows of one UNION ALL told apart by their first column: the account ("a"), live lots
    ("l") and pending points ("p"), by the parameters merchant_id, member_id and moment."""
    merchant_id, member_id = bindparam("merchant_id"), bindparam("member_id")
    moment, no_text = type_coerce(null(), UTCDateTime), type_coerce(null(), String)
    parts = [
        select(literal("a"), PointsAccount.balance, PointsAccount.lifetime_earned,
               PointsAccount.lifetime_redeemed, PointsAccount.debt, moment, no_text)
        .join(Member, Member.id == PointsAccount.member_id)
        .where(PointsAccount.merchant_id == merchant_id, PointsAccount.member_id == member_id,
               Member.anonymized_at.is_(None)),
        select(literal("l"), Lot.remaining, null(), null(), null(), Lot.expires_at, null())
        .join(PointsAccount, PointsAccount.id == Lot.account_id)
        .where(PointsAccount.merchant_id == merchant_id, PointsAccount.member_id == member_id,
               *ledger.live_lot_conditions(bindparam("moment", type_=UTCDateTime))),
    ]
    if (pending := pending_slot.live_query(member_id)) is not None:
        points, available_at, order_no = pending.selected_columns
        parts.append(pending.with_only_columns(
            literal("p"), points, null(), null(), null(), available_at, order_no,
            maintain_column_froms=True))
    return union_all(*parts).order_by(text("1"), text("6"))


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
