"""Mall items: the catalogue staff manage and members browse."""

from datetime import datetime

from sqlalchemy import select

from auth.models import Staff
from core import audit
from core.clock import now
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.models import Merchant
from loyalty import tiers as tier_rules
from loyalty.models import Member
from mall import stock
from mall.models import Item

FIELDS = ("title", "type", "category", "points_price", "cash_price_fen", "stock",
          "limit_per_order", "limit_per_member_day", "limit_per_member_total", "min_tier",
          "sale_starts_at", "sale_ends_at", "status", "flash", "images", "description",
          "sessions", "valid_days")


def snapshot(item: Item) -> dict:
    """The audit view of an item."""
    return {f: _plain(getattr(item, f)) for f in FIELDS}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def create(staff: Staff, data: dict) -> Item:
    """A new item (Redis loads it on the first order), audited."""
    item = Item(merchant_id=staff.merchant_id, **data)
    _check(item)
    db.session.add(item)
    db.session.flush()
    audit.record(merchant_id=staff.merchant_id, action="item.create", target_type="item",
                 target_id=item.id, after=snapshot(item))
    db.session.commit()
    return item


def update(staff: Staff, item_id: int, changes: dict, action: str = "item.update") -> Item:
    """Change an item's rules; Redis follows before the commit, audited with before/after."""
    item = stock.lock_item(staff.merchant_id, item_id)
    before = snapshot(item)
    for field, value in changes.items():
        setattr(item, field, value)
    _check(item)
    db.session.flush()
    stock.sync(item)
    audit.record(merchant_id=staff.merchant_id, action=action, target_type="item",
                 target_id=item.id, before=before, after=snapshot(item))
    db.session.commit()
    return item


def retire(staff: Staff, item_id: int) -> None:
    """Take an item off sale for good (orders keep pointing at it)."""
    update(staff, item_id, {"status": "off_sale"}, action="item.retire")


def change_stock(staff: Staff, item_id: int, *, delta: int | None = None,
                 target: int | None = None) -> Item:
    """Add `delta` units or set the stock to `target`: the database and Redis move together."""
    item = stock.lock_item(staff.merchant_id, item_id)
    before = item.stock
    after = target if target is not None else before + delta
    if after < 0:
        raise Conflict("Stock cannot go below zero.", details={"stock": before})
    item.stock = after
    db.session.flush()
    stock.sync(item)
    audit.record(merchant_id=staff.merchant_id, action="item.stock", target_type="item",
                 target_id=item.id, before={"stock": before}, after={"stock": after})
    db.session.commit()
    return item


def _check(item: Item) -> None:
    if item.sale_starts_at and item.sale_ends_at and item.sale_ends_at <= item.sale_starts_at:
        raise ValidationFailed(details={"sale_ends_at": ["Must be after sale_starts_at."]})
    tiers = db.session.get(Merchant, item.merchant_id).rules["tiers"]
    if item.min_tier is not None and item.min_tier not in {t["code"] for t in tiers}:
        raise ValidationFailed(details={"min_tier": ["Not a tier of this merchant."]})
    if item.type == "package" and not (item.sessions and item.valid_days):
        raise ValidationFailed(details={f: ["Required for a package."] for f in
                                        ("sessions", "valid_days") if not getattr(item, f)})


def get(merchant_id: int, item_id: int) -> Item:
    """An item of this merchant, or NOT_FOUND."""
    item = db.session.get(Item, item_id)
    if item is None or item.merchant_id != merchant_id:
        raise NotFound("Unknown item.")
    return item


def of_merchant(merchant_id: int, status: str | None = None):
    """A select of the merchant's items, optionally of one status (paginate it)."""
    query = select(Item).where(Item.merchant_id == merchant_id)
    return query.where(Item.status == status) if status else query


def on_sale(member: Member, category: str | None = None, type: str | None = None):
    """A select of the items on sale at the member's merchant, optionally filtered."""
    query = of_merchant(member.merchant_id, "on_sale")
    if category:
        query = query.where(Item.category == category)
    return query.where(Item.type == type) if type else query


def get_on_sale(member: Member, item_id: int) -> Item:
    """One item the member can see (on sale at their merchant), in the member's view."""
    item = get(member.merchant_id, item_id)
    if item.status != "on_sale":
        raise NotFound("Unknown item.")
    return for_member(member, [item])[0]


def for_member(member: Member, items: list[Item]) -> list[Item]:
    """Add what the member sees: stock left (Redis when loaded) and their remaining limit."""
    ids = [item.id for item in items]
    left = stock.left(member.merchant_id, ids)
    bought = stock.bought(member.merchant_id, member.id, ids)
    tiers, moment = db.session.get(Merchant, member.merchant_id).rules["tiers"], now()
    names = {tier["code"]: tier["name"] for tier in tiers}
    for item in items:
        item.stock_left = max(left.get(item.id, item.stock), 0)
        item.my_remaining_limit = remaining_limit(item, *bought.get(item.id, (0, 0)))
        item.min_tier_name = names.get(item.min_tier)
        tier_ok = not item.min_tier or tier_rules.reaches(member, item.min_tier, tiers)
        item.unavailable_reason = unavailable_reason(item, moment, tier_ok=tier_ok)
    return items


def unavailable_reason(item: Item, moment: datetime, *, tier_ok: bool) -> str | None:
    """Why a member cannot redeem the item now (the mall disables its button and says why):
    not_started, ended, sold_out, tier, limit; None when they can."""
    if item.sale_starts_at and moment < item.sale_starts_at:
        return "not_started"
    if item.sale_ends_at and moment >= item.sale_ends_at:
        return "ended"
    if item.stock_left <= 0:
        return "sold_out"
    if not tier_ok:
        return "tier"
    if item.my_remaining_limit is not None and item.my_remaining_limit <= 0:
        return "limit"
    return None


def remaining_limit(item: Item, total: int, today: int) -> int | None:
    """How many more units a member who holds `total` (`today` of them today) may order."""
    caps = [cap for cap in (item.limit_per_order, _minus(item.limit_per_member_day, today),
                            _minus(item.limit_per_member_total, total)) if cap is not None]
    return max(min(caps), 0) if caps else None


def _minus(limit: int | None, used: int) -> int | None:
    return None if limit is None else limit - used
