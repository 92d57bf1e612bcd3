"""Bulk seeding for benchmarks (set-based; the ledger invariants hold afterwards)."""

import uuid

from flask_jwt_extended import create_access_token
from sqlalchemy import func, select, text

from auth.service import create_staff
from auth.tokens import issue_pair
from core import merchants
from core.extensions import db
from loyalty.rules import default_rules
from mall.models import LIVE, Item, Order


def merchant() -> tuple:
    """A benchmark merchant without sign-up bonus; returns (merchant, pos_secret)."""
    rules = {**default_rules(), "signup_bonus": 0}
    created, secret = merchants.create_merchant(
        name="Bench Clinic", appid=f"wx-bench-{uuid.uuid4().hex[:8]}", wechat_secret="s",
        rules=rules)
    db.session.commit()
    return created, secret


MEMBERS_AND_ACCOUNTS = """
WITH made AS (
    INSERT INTO members (merchant_id, openid, card_no, tier_code, growth_value, status, created_at)
    SELECT :m, 'bench-' || :m || '-' || n, 'B' || :m || '-' || n, 'starlight', 0, 'active', now()
    FROM generate_series(1, :count) AS n
    RETURNING id
)
INSERT INTO points_accounts (merchant_id, member_id, balance, lifetime_earned,
                             lifetime_redeemed, debt, updated_at)
SELECT :m, id, 0, 0, 0, 0, now() FROM made
RETURNING member_id
"""


def members(merchant_id: int, count: int) -> list[int]:
    """`count` members with empty accounts, inserted in one statement; returns their ids."""
    ids = sorted(db.session.execute(text(MEMBERS_AND_ACCOUNTS),
                                    {"m": merchant_id, "count": count}).scalars())
    db.session.commit()
    return ids


def member_token(merchant_id: int, member_id: int) -> str:
    """An access token for a member with the claims a WeChat login's carries (its own login
    family included); no refresh token, which the benchmark never uses."""
    return create_access_token(str(member_id), additional_claims={
        "mid": merchant_id, "kind": "member", "role": None, "fam": uuid.uuid4().hex})


def owner_token(merchant_id: int) -> str:
    """An owner's access token."""
    staff = create_staff(merchant_id=merchant_id, username=f"owner-{uuid.uuid4().hex[:6]}",
                         password="bench-password", role="owner")
    db.session.commit()
    return issue_pair("staff", staff.id, merchant_id, "owner")["access_token"]


ENTRIES_AND_LOTS = """
WITH accounts AS (
    SELECT id, member_id, row_number() OVER (ORDER BY id) AS n
    FROM points_accounts WHERE merchant_id = :m AND member_id <= :last
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
SELECT :m, account_id, id, 10, 10, created_at, now() + :expires_in * interval '1 day' FROM made
"""


def earned_lots(merchant_id: int, per_account: int, *, expires_in_days: int,
                last_member: int | None = None) -> None:
    """`per_account` earn entries of 10 points, each with its lot expiring in
    `expires_in_days` (negative: already due), for the merchant's members up to the id
    `last_member` (all by default); created over the last 29 days."""
    # Consistent by construction (the ledger check runs after every scenario): the
    # foreign-key triggers of a million rows would double the seeding time.
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text(ENTRIES_AND_LOTS), {
        "m": merchant_id, "per": per_account, "expires_in": expires_in_days,
        "last": last_member or 2 ** 62})
    db.session.execute(text(
        "UPDATE points_accounts SET balance = 10 * :per, lifetime_earned = 10 * :per "
        "WHERE merchant_id = :m AND member_id <= :last"),
        {"m": merchant_id, "per": per_account, "last": last_member or 2 ** 62})
    db.session.commit()


def item(merchant_id: int, stock: int, **flags):
    """An on-sale goods item costing 1 point, with `stock` units and no limits (`flags` such
    as flash=True are set on it)."""
    created = Item(merchant_id=merchant_id, title="限时秒杀 Flash sale", type="goods",
                   points_price=1, cash_price_fen=0, stock=stock, status="on_sale", images=[],
                   **flags)
    db.session.add(created)
    db.session.commit()
    return created


def oversell(item_id: int, initial: int) -> str:
    """'no oversell' when the units of live orders + the database stock = the initial stock,
    else the discrepancy; with the orders written, by status."""
    left = db.session.execute(select(Item.stock).where(Item.id == item_id)).scalar_one()
    by_status = dict(db.session.execute(
        select(Order.status, func.sum(Order.quantity)).where(Order.item_id == item_id)
        .group_by(Order.status)).all())
    db.session.remove()
    sold = sum(units for status, units in by_status.items() if status in LIVE)
    verdict = ("no oversell" if sold + left == initial
               else f"OVERSOLD by {sold + left - initial}")
    orders = ", ".join(f"{units} {status}" for status, units in sorted(by_status.items()))
    return f"{verdict} (units: {orders or 'no orders'}; {left} left of {initial})"
