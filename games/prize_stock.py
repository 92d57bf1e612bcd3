"""Prize stock held in Redis, truth in the database (the same pattern as `mall.stock`).

Per lottery Redis keeps a hash of units left per limited prize (= database stock − live
holds) and a hash of holds, one per draw that is being written. `prize_stock.lua` changes
them atomically. After a hold, one database transaction writes the draw and takes the unit
from the prize row (`stock >= 1` or refused): on commit the hold is settled (dropped), on
failure released. `sync` rebuilds a lottery from its database rows, dropping holds whose
draws committed and holds older than `GRACE` that a crash left behind. Redis drift can
refuse a draw, never over-award a prize.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import select

from core import keys
from core.clock import now
from core.errors import ServiceUnavailable
from core.extensions import db, rds
from games.models import Draw, Lottery, Prize

log = logging.getLogger("jifen.games")
SCRIPT = (Path(__file__).parent / "prize_stock.lua").read_text()
GRACE = timedelta(minutes=5)  # far beyond any request: an older hold without a draw is dead


@dataclass(frozen=True)
class Hold:
    """One unit of a prize reserved in Redis for a draw that is being written."""

    merchant_id: int
    lottery_id: int
    prize_id: int
    id: str


def _keys(merchant_id: int, lottery_id: int) -> list[str]:
    return [keys.lottery_stock(merchant_id, lottery_id),
            keys.lottery_holds(merchant_id, lottery_id)]


def _run(merchant_id: int, lottery_id: int, *args):
    script = current_app.extensions.get("jifen.games.prize_stock")
    if script is None:
        script = current_app.extensions["jifen.games.prize_stock"] = rds.register_script(SCRIPT)
    return script(keys=_keys(merchant_id, lottery_id), args=args, client=rds)


def left(lottery: Lottery) -> dict[int, int | None]:
    """Units left of each live prize as Redis holds them (None = unlimited); loads if cold."""
    for _attempt in range(2):
        stored = rds.hgetall(keys.lottery_stock(lottery.merchant_id, lottery.id))
        if _loaded(lottery, stored):
            return {p.id: None if p.stock is None else int(stored[str(p.id)])
                    for p in lottery.live_prizes}
        load(lottery.merchant_id, lottery.id)
    raise ServiceUnavailable("The prize stock could not be loaded; retry.")


def take(lottery: Lottery, prize_id: int) -> Hold | None:
    """Hold one unit of the prize, or None when Redis has none left."""
    hold = Hold(lottery.merchant_id, lottery.id, prize_id, uuid.uuid4().hex)
    for _attempt in range(2):
        answer = _run(hold.merchant_id, hold.lottery_id, "take", hold.id, prize_id,
                      int(now().timestamp()))
        if answer == "OK":
            return hold
        if answer == "EMPTY":
            return None
        load(lottery.merchant_id, lottery.id)
    raise ServiceUnavailable("The prize stock could not be loaded; retry.")


def release(hold: Hold | None) -> None:
    """Give a hold back (its draw was not written)."""
    if hold is not None:
        _run(hold.merchant_id, hold.lottery_id, "release", hold.id)


def settle(hold: Hold | None) -> None:
    """Drop a hold whose draw committed; on Redis failure the database is right and the
    next sync drops it."""
    if hold is None:
        return
    try:
        rds.hdel(keys.lottery_holds(hold.merchant_id, hold.lottery_id), hold.id)
    except RedisError as exc:
        log.warning("games: hold %s left for sync: %s", hold.id, exc)


def lock(merchant_id: int, lottery_id: int) -> Lottery | None:
    """Load and lock a lottery row (its stock changes serialise on it)."""
    return db.session.execute(
        select(Lottery).where(Lottery.id == lottery_id, Lottery.merchant_id == merchant_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def sync(lottery: Lottery) -> None:
    """Make Redis agree with the locked lottery's prize rows."""
    holds = {hold_id: value.split() for hold_id, value in
             rds.hgetall(keys.lottery_holds(lottery.merchant_id, lottery.id)).items()}
    settled = set(db.session.execute(select(Draw.reservation_id).where(
        Draw.reservation_id.in_(list(holds)))).scalars()) if holds else set()
    cutoff = now().timestamp() - GRACE.total_seconds()
    abandoned = [hold_id for hold_id, (_prize, created) in holds.items()
                 if hold_id not in settled and int(created) < cutoff]
    # Read the rows, not the session's objects: those may predate the lock's wait, during
    # which draws committed and took units.
    rows = db.session.execute(select(Prize.id, Prize.stock).where(
        Prize.lottery_id == lottery.id, Prize.active.is_(True), Prize.stock.is_not(None)))
    plan = {"stock": {str(prize_id): units for prize_id, units in rows},
            "settled": sorted(settled), "abandoned": abandoned}
    _run(lottery.merchant_id, lottery.id, "sync", json.dumps(plan))


def _loaded(lottery: Lottery, stored: dict | None = None) -> bool:
    """Redis holds a count for every limited live prize of the lottery."""
    if stored is None:
        stored = rds.hgetall(keys.lottery_stock(lottery.merchant_id, lottery.id))
    return bool(stored) and all(str(p.id) in stored for p in lottery.live_prizes
                                if p.stock is not None)


def load(merchant_id: int, lottery_id: int) -> None:
    """Rebuild one lottery's Redis stock from its locked row, changing nothing else."""
    try:
        lottery = lock(merchant_id, lottery_id)
        if lottery is not None and not _loaded(lottery):  # another request may have, meanwhile
            sync(lottery)
    finally:
        db.session.rollback()  # nothing was written; this ends the row lock


def reconcile() -> dict:
    """Sync every lottery: release holds left by crashes, rebuild stock from the database."""
    ids = db.session.execute(select(Lottery.merchant_id, Lottery.id).order_by(Lottery.id)).all()
    for merchant_id, lottery_id in ids:
        sync(lock(merchant_id, lottery_id))
        db.session.commit()
    return {"lotteries": len(ids)}
