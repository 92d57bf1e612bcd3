"""Bulk seeding for benchmarks (set-based; the ledger invariants hold afterwards)."""

import uuid

from flask_jwt_extended import create_access_token
from sqlalchemy import insert, text

from auth.service import create_staff
from auth.tokens import issue_pair
from core import merchants
from core.extensions import db
from loyalty.models import Member, PointsAccount
from loyalty.rules import default_rules
from mall.models import Item


def merchant() -> tuple:
    """A benchmark merchant without sign-up bonus; returns (merchant, pos_secret)."""
    rules = {**default_rules(), "signup_bonus": 0}
    created, secret = merchants.create_merchant(
        name="Bench Clinic", appid=f"wx-bench-{uuid.uuid4().hex[:8]}", wechat_secret="s",
        rules=rules)
    db.session.commit()
    return created, secret


def members(merchant_id: int, count: int) -> list[int]:
    """`count` members with empty accounts, inserted in bulk; returns their ids."""
    rows = [{"merchant_id": merchant_id, "openid": f"bench-{uuid.uuid4().hex}",
             "tier_code": "starlight", "growth_value": 0, "status": "active"}
            for _ in range(count)]
    ids = list(db.session.execute(insert(Member).returning(Member.id), rows).scalars())
    db.session.execute(text("UPDATE members SET card_no = 'B' || id WHERE merchant_id = :m"),
                       {"m": merchant_id})
    db.session.execute(insert(PointsAccount), [
        {"merchant_id": merchant_id, "member_id": i, "balance": 0, "lifetime_earned": 0,
         "lifetime_redeemed": 0, "debt": 0} for i in ids])
    db.session.commit()
    return ids


def member_token(merchant_id: int, member_id: int) -> str:
    """An access token for a member (as WeChat login would issue)."""
    return create_access_token(str(member_id), additional_claims={
        "mid": merchant_id, "kind": "member", "role": None})


def owner_token(merchant_id: int) -> str:
    """An owner's access token."""
    staff = create_staff(merchant_id=merchant_id, username=f"owner-{uuid.uuid4().hex[:6]}",
                         password="bench-password", role="owner")
    db.session.commit()
    return issue_pair("staff", staff.id, merchant_id, "owner")["access_token"]


ENTRIES_AND_LOTS = """
WITH accounts AS (
    SELECT id, member_id, row_number() OVER (ORDER BY id) AS n
    FROM points_accounts WHERE merchant_id = :m
), made AS (
    INSERT INTO ledger_entries (merchant_id, account_id, member_id, type, reason_code, amount,
                                balance_after, idempotency_key, created_at)
    SELECT :m, a.id, a.member_id, 'earn', 'purchase', 10, 10 * k,
           'bench:' || a.id || ':' || k,
           now() - ((a.n * :per + k) % (29 * 24 * 60)) * interval '1 minute'
    FROM accounts a CROSS JOIN generate_series(1, :per) AS k
    RETURNING id, account_id, created_at
)
INSERT INTO lots (merchant_id, account_id, entry_id, amount, remaining, earned_at, expires_at)
SELECT :m, account_id, id, 10, 10, created_at, now() - interval '1 day' FROM made
"""


def earned_lots(merchant_id: int, per_account: int) -> int:
    """`per_account` earn entries of 10 points, each with a lot that is already due to expire."""
    db.session.execute(text(ENTRIES_AND_LOTS), {"m": merchant_id, "per": per_account})
    db.session.execute(text(
        "UPDATE points_accounts SET balance = 10 * :per, lifetime_earned = 10 * :per "
        "WHERE merchant_id = :m"), {"m": merchant_id, "per": per_account})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    return int(db.session.execute(text("SELECT count(*) FROM lots WHERE merchant_id = :m"),
                                  {"m": merchant_id}).scalar())


def item(merchant_id: int, stock: int):
    """An on-sale goods item costing 1 point, with `stock` units, no limits."""
    created = Item(merchant_id=merchant_id, title="限时秒杀 Flash sale", type="goods",
                   points_price=1, cash_price_fen=0, stock=stock, status="on_sale", images=[])
    db.session.add(created)
    db.session.commit()
    return created


def sold(item_id: int) -> int:
    """Units sold in orders that were not cancelled or refunded."""
    return int(db.session.execute(text(
        "SELECT coalesce(sum(quantity), 0) FROM mall_orders WHERE item_id = :i "
        "AND status NOT IN ('cancelled', 'refunded')"), {"i": item_id}).scalar())


def oversold(item_id: int) -> str:
    """'no oversell' when sold + database stock = initial stock, else the discrepancy."""
    row = db.session.execute(text("SELECT stock FROM mall_items WHERE id = :i"),
                             {"i": item_id}).one()
    units = sold(item_id)
    db.session.remove()
    return f"sold {units}, stock left {row[0]}"
