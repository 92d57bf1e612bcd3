"""Stock held in Redis, truth in the database.

Per item, Redis keeps a hash with stock = database stock − live holds and the rules a
reservation checks (status, sale window, limits); a hash of holds, one per reservation whose
order is not yet committed; and per member a quota of units bought (lifetime and today).
`reserve.lua` changes them atomically. After a reservation one database transaction writes
the order: on commit the hold is settled (dropped), on failure released (stock and quota go
back). `sync` rebuilds an item from its locked database row; `reconcile` syncs every item and
releases holds that a crash left behind. The database has the last word: its stock can
never go below zero and it re-checks the limits, so Redis drift can refuse, never oversell.
"""

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import case, func, select

from core import keys
from core.clock import local_date, local_midnight, now
from core.errors import LimitExceeded, NotFound, NotOnSale, OutOfStock, ServiceUnavailable
from core.extensions import db, mirror, rds
from core.mirror import scripted
from core.models import Merchant
from mall.models import LIVE, Item, Order

log = logging.getLogger("jifen.mall")
SCRIPT = (Path(__file__).parent / "reserve.lua").read_text()
QUOTA_TTL = 86_400  # refreshed by every reservation, so it never lapses under a live hold
GRACE = timedelta(minutes=5)  # far beyond any request: an older hold without order is dead
REFUSALS = {"NOT_ON_SALE": NotOnSale, "OUT_OF_STOCK": OutOfStock}
MEMO = "jifen.mall.refusals"  # per app: (merchant, item, quantity) → Refusal
MEMO_SECONDS = 1.0
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Refusal:
    """Redis' refusal of an item as this process remembers it: at which item version, until
    when, and in which generation of the mirror (None: not current) it was asked for."""

    code: str
    version: int
    expires: float
    generation: int | None


@dataclass(frozen=True)
class Hold:
    """Units reserved in Redis for one order that is being written."""

    merchant_id: int
    item_id: int
    member_id: int
    quantity: int
    id: str

    def keys(self) -> list[str]:
        return _keys(self.merchant_id, self.item_id, self.member_id)


def _keys(merchant_id: int, item_id: int, *member_ids: int) -> list[str]:
    return [keys.mall_item(merchant_id, item_id), keys.mall_holds(merchant_id, item_id),
            *(keys.mall_quota(merchant_id, item_id, m) for m in member_ids)]


def _run(keys_: list[str], *args):
    script = current_app.extensions.get("jifen.mall.reserve")
    if script is None:
        script = current_app.extensions["jifen.mall.reserve"] = rds.register_script(
            scripted(SCRIPT, rds))
    return script(keys=keys_, args=args, client=rds)


def reserve(merchant_id: int, member_id: int, item_id: int, quantity: int) -> Hold:
    """Hold units for the member or raise why not; the database is read only on a cold cache."""
    hold = Hold(merchant_id, item_id, member_id, quantity, uuid.uuid4().hex)
    answered(hold, lambda: _run(hold.keys(), "reserve", hold.id, quantity, member_id,
                                int(now().timestamp()), QUOTA_TTL))
    return hold


def answered(hold: Hold, attempt: Callable[[], list]) -> list:
    """Run a reservation (`attempt`, a script call) until Redis has the item and quota it
    needs (loading them from the database); its answer, or raise the refusal."""
    for _attempt in range(3):
        generation = mirror.current_generation()  # before Redis answers: no bump missed
        answer = attempt()
        if answer[0] == "MISSING_ITEM":
            _load_item(hold.merchant_id, hold.item_id)
        elif answer[0] == "MISSING_QUOTA":
            _load_quota(hold.merchant_id, hold.member_id, hold.item_id)
        elif answer[0] == "LIMIT_EXCEEDED":
            raise LimitExceeded(details={"limit": answer[1]}, kept=False)
        elif answer[0] in REFUSALS:
            _remember(hold.merchant_id, hold.item_id, hold.quantity, generation, *answer)
            raise REFUSALS[answer[0]](kept=False)
        else:
            return answer
    raise ServiceUnavailable("The item's stock could not be loaded; retry.")


def _remember(merchant_id: int, item_id: int, quantity: int, generation: int | None, code: str,
              version: int, boundary: int) -> None:
    """Keep Redis' refusal in this process for MEMO_SECONDS (never past the sale window's
    next boundary), for the sold-out lane to repeat while the item's version stays."""
    expires = now().timestamp() + MEMO_SECONDS
    memo = current_app.extensions.setdefault(MEMO, {})
    memo[merchant_id, item_id, quantity] = Refusal(
        code, int(version), min(expires, boundary) if boundary else expires, generation)


def remembered_refusal(merchant_id: int, item_id: int, quantity: int) -> Refusal | None:
    """A refusal this process remembers, if still fresh; the caller compares its version
    with the item's current one before repeating it."""
    memo = current_app.extensions.get(MEMO, {})
    refusal = memo.get((merchant_id, item_id, quantity))
    if refusal is not None and now().timestamp() >= refusal.expires:
        memo.pop((merchant_id, item_id, quantity), None)
        return None
    return refusal


def version_key(merchant_id: int, item_id: int) -> tuple[str, str]:
    """Where Redis keeps the item's version: (hash key, field)."""
    return keys.mall_item(merchant_id, item_id), "version"


def mirrored_version(merchant_id: int, item_id: int) -> str:
    """The mirror's key for the item's versions that reserve.lua published (its `bump`)."""
    return f"{keys.mall_item(merchant_id, item_id)}:version"


def release(hold: Hold) -> None:
    """Give a hold back (its order was not written)."""
    _run(hold.keys(), "release", hold.id)


def _after_commit(action):
    """Redis steps after a commit: on failure the database is right and reconcile repairs."""

    @wraps(action)
    def wrapper(*args):
        try:
            action(*args)
        except RedisError as exc:
            log.warning("mall: %s left for reconcile: %s", action.__name__, exc)

    return wrapper


@_after_commit
def settle(hold: Hold) -> None:
    """Drop a hold whose order committed (the stock stays taken)."""
    rds.hdel(keys.mall_holds(hold.merchant_id, hold.item_id), hold.id)


@_after_commit
def give_back(order: Order) -> None:
    """Return a cancelled or refunded order's units to Redis stock and the member's quota."""
    timezone = db.session.get(Merchant, order.merchant_id).timezone
    _run(_keys(order.merchant_id, order.item_id, order.member_id), "give_back",
         order.quantity, day_number(order.created_at, timezone))


def lock_item(merchant_id: int, item_id: int) -> Item:
    """Load and lock an item of this merchant for a change of its stock or rules."""
    item = db.session.execute(
        select(Item).where(Item.id == item_id, Item.merchant_id == merchant_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if item is None:
        raise NotFound("Unknown item.")
    return item


def sync(item: Item) -> tuple[int | None, int]:
    """Make Redis agree with the locked item row; returns Redis stock (before, after)."""
    holds = {hold_id: value.split() for hold_id, value in
             rds.hgetall(keys.mall_holds(item.merchant_id, item.id)).items()}
    settled = set(db.session.execute(select(Order.reservation_id).where(
        Order.reservation_id.in_(list(holds)))).scalars()) if holds else set()
    cutoff = now().timestamp() - GRACE.total_seconds()
    stale = [hold_id for hold_id, (_qty, _member, _day, created) in holds.items()
             if hold_id not in settled and int(created) < cutoff]
    abandoned = [hold_id for hold_id in stale if not _queued(item.merchant_id, hold_id)]
    plan = {"stock": item.stock, "fields": _rules(item), "settled": sorted(settled),
            "abandoned": abandoned}
    members = [int(holds[hold_id][1]) for hold_id in abandoned]
    before, after = _run(_keys(item.merchant_id, item.id, *members), "sync", json.dumps(plan))
    return (int(before) if before != "" else None), int(after)


def _queued(merchant_id: int, hold_id: str) -> bool:
    """A flash order's hold waits for the writer however old it is (its ticket is queued)."""
    return rds.hget(keys.mall_flash_ticket(merchant_id, hold_id), "status") == "queued"


def _rules(item: Item) -> dict:
    timezone = db.session.get(Merchant, item.merchant_id).timezone
    offset = now().astimezone(ZoneInfo(timezone)).utcoffset()
    return {"status": item.status, "flash": int(item.flash), "starts": _epoch(item.sale_starts_at),
            "ends": _epoch(item.sale_ends_at), "per_order": item.limit_per_order or 0,
            "per_day": item.limit_per_member_day or 0,
            "per_total": item.limit_per_member_total or 0,
            "utc_offset": int(offset.total_seconds())}


def _epoch(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def day_number(moment: datetime, timezone: str) -> int:
    """The merchant-local calendar day as days since 1970-01-01 (what the script counts)."""
    return (local_date(moment, timezone) - EPOCH).days


def _load_item(merchant_id: int, item_id: int) -> None:
    try:
        sync(lock_item(merchant_id, item_id))
    finally:
        db.session.rollback()  # nothing was written; this ends the row lock


def _load_quota(merchant_id: int, member_id: int, item_id: int) -> None:
    timezone = db.session.get(Merchant, merchant_id).timezone
    total, today = bought(merchant_id, member_id, [item_id]).get(item_id, (0, 0))
    _run(_keys(merchant_id, item_id, member_id), "quota", total, today,
         day_number(now(), timezone), QUOTA_TTL)


def bought(merchant_id: int, member_id: int,
           item_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Units of each item in the member's live orders: {item_id: (lifetime, today)}."""
    timezone = db.session.get(Merchant, merchant_id).timezone
    since = local_midnight(local_date(now(), timezone), timezone)
    rows = db.session.execute(
        select(Order.item_id, func.sum(Order.quantity),
               func.sum(case((Order.created_at >= since, Order.quantity), else_=0)))
        .where(Order.member_id == member_id, Order.item_id.in_(item_ids),
               Order.status.in_(LIVE))
        .group_by(Order.item_id)).all()
    return {item_id: (int(total), int(today)) for item_id, total, today in rows}


def left(merchant_id: int, item_ids: list[int]) -> dict[int, int]:
    """Redis stock of the items that are loaded."""
    pipe = rds.pipeline(transaction=False)
    for item_id in item_ids:
        pipe.hget(keys.mall_item(merchant_id, item_id), "stock")
    return {item_id: int(value) for item_id, value in zip(item_ids, pipe.execute(), strict=True)
            if value is not None}


def reconcile() -> dict:
    """Sync every item: release holds left by crashes, rebuild stock from the database."""
    ids = db.session.execute(select(Item.merchant_id, Item.id).order_by(Item.id)).all()
    repaired = []
    for merchant_id, item_id in ids:
        before, after = sync(lock_item(merchant_id, item_id))
        db.session.commit()
        if before is not None and before != after:
            repaired.append({"merchant_id": merchant_id, "item_id": item_id,
                             "redis_before": before, "redis_after": after})
    return {"items": len(ids), "repaired": repaired}
