"""The lottery: staff editing, what members see (published odds), and the draw.

A draw: choose among the prizes in play (`secrets`), hold a unit of a limited prize in
Redis (and of the mall item for an item prize), then one transaction locks the member's
account, checks the daily limit, debits the cost, awards the prize and takes the unit from
the prize row. The draw stores the weights in force and its roll. Redis down → 503 before
anything is written.
"""

import uuid

from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from auth.models import Staff
from core import audit
from core.clock import local_date, local_midnight, now
from core.errors import Conflict, LimitExceeded, NotFound, OutOfStock, ValidationFailed
from core.extensions import db
from core.models import Merchant
from games import odds, prize_stock
from games.models import Draw, Lottery, Prize
from loyalty import ledger, members
from loyalty.models import Member
from mall import items, orders, stock

FIELDS = ("title", "cost_points", "daily_limit", "starts_at", "ends_at")
PRIZE_FIELDS = ("name", "kind", "points", "item_id", "stock", "weight")


def snapshot(lottery: Lottery) -> dict:
    """The audit view of a lottery."""
    plain = {f: getattr(lottery, f) for f in FIELDS}
    plain["starts_at"], plain["ends_at"] = (lottery.starts_at.isoformat(),
                                            lottery.ends_at.isoformat())
    plain["prizes"] = [{"id": p.id, **{f: getattr(p, f) for f in PRIZE_FIELDS}}
                       for p in lottery.live_prizes]
    return plain


def create(staff: Staff, data: dict) -> Lottery:
    """A new lottery with its prizes (Redis loads the stock on the first read), audited."""
    prizes = data.pop("live_prizes")
    lottery = Lottery(merchant_id=staff.merchant_id, **data)
    db.session.add(lottery)
    _set_prizes(lottery, prizes)
    _check(lottery)
    db.session.flush()
    audit.record(merchant_id=staff.merchant_id, action="lottery.create", target_type="lottery",
                 target_id=lottery.id, after=snapshot(lottery))
    db.session.commit()
    return lottery


def update(staff: Staff, lottery_id: int, changes: dict) -> Lottery:
    """Change a lottery; prizes not listed retire; Redis follows before the commit."""
    lottery = prize_stock.lock(staff.merchant_id, lottery_id)
    if lottery is None:
        raise NotFound("Unknown lottery.")
    before = snapshot(lottery)
    prizes = changes.pop("live_prizes", None)
    for field, value in changes.items():
        setattr(lottery, field, value)
    if prizes is not None:
        _set_prizes(lottery, prizes)
    _check(lottery)
    db.session.flush()
    prize_stock.sync(lottery)
    audit.record(merchant_id=staff.merchant_id, action="lottery.update", target_type="lottery",
                 target_id=lottery.id, before=before, after=snapshot(lottery))
    db.session.commit()
    return lottery


def _set_prizes(lottery: Lottery, prizes: list[dict]) -> None:
    existing = {prize.id: prize for prize in lottery.prizes}
    kept = set()
    for data in prizes:
        prize_id = data.pop("id", None)
        if prize_id is None:
            lottery.prizes.append(Prize(active=True, **data))
            continue
        if prize_id not in existing or not existing[prize_id].active:
            raise ValidationFailed(details={"prizes": {"id": [f"Unknown prize {prize_id}."]}})
        for field, value in data.items():
            setattr(existing[prize_id], field, value)
        kept.add(prize_id)
    for prize_id, prize in existing.items():
        if prize_id not in kept:
            prize.active = False


def _check(lottery: Lottery) -> None:
    """Rules the schema cannot see: the window, and item prizes on sale here."""
    if lottery.starts_at >= lottery.ends_at:
        raise ValidationFailed(details={"ends_at": ["Must be after starts_at."]})
    for prize in lottery.live_prizes:
        if prize.kind == "item":
            try:
                item = items.get(lottery.merchant_id, prize.item_id)
            except NotFound:
                item = None
            if item is None or item.status != "on_sale":
                raise ValidationFailed(details={"prizes": {"item_id": [
                    f"Item {prize.item_id} is not an on-sale item of this merchant."]}})


def get(merchant_id: int, lottery_id: int) -> Lottery:
    """A lottery of this merchant, or NOT_FOUND."""
    lottery = db.session.get(Lottery, lottery_id)
    if lottery is None or lottery.merchant_id != merchant_id:
        raise NotFound("Unknown lottery.")
    return lottery


def of_merchant(merchant_id: int):
    """A select of the merchant's lotteries (paginate it)."""
    return select(Lottery).where(Lottery.merchant_id == merchant_id)


def with_odds(lottery: Lottery, left: dict[int, int | None]) -> dict:
    """The lottery as members see it: live prizes with published odds given the stock left."""
    published = odds.published(odds.in_play(
        [(p.id, p.weight, left.get(p.id, p.stock)) for p in lottery.live_prizes]))
    return {**{f: getattr(lottery, f) for f in ("id", *FIELDS)},
            "prizes": [{"id": p.id, "name": p.name, "kind": p.kind, "points": p.points,
                        "odds": published.get(p.id, 0.0)} for p in lottery.live_prizes]}


def active(member: Member) -> list[dict]:
    """The member's merchant's lotteries open now, with odds and draws left today."""
    moment = now()
    found = db.session.execute(of_merchant(member.merchant_id).where(
        Lottery.starts_at <= moment, Lottery.ends_at > moment).order_by(Lottery.id)).scalars()
    return [_for_member(member, lottery) for lottery in found]


def for_member(member: Member, lottery_id: int) -> dict:
    """One lottery of the member's merchant, with odds and draws left today."""
    return _for_member(member, get(member.merchant_id, lottery_id))


def _for_member(member: Member, lottery: Lottery) -> dict:
    shown = with_odds(lottery, prize_stock.left(lottery))
    timezone = db.session.get(Merchant, member.merchant_id).timezone
    used = _drawn_today(lottery, member.id, timezone)
    return {**shown, "draws_left_today": max(lottery.daily_limit - used, 0)}


def _drawn_today(lottery: Lottery, member_id: int, timezone: str) -> int:
    since = local_midnight(local_date(now(), timezone), timezone)
    return db.session.execute(select(func.count(Draw.id)).where(
        Draw.member_id == member_id, Draw.lottery_id == lottery.id,
        Draw.created_at >= since)).scalar()


def draw(member: Member, lottery_id: int, request_key: str | None) -> Draw:
    """Spend the cost and award a prize in one transaction; stock held in Redis first."""
    members.ensure_active(member)
    lottery = _open(member.merchant_id, lottery_id)
    hold, prize_id, weights, roll = _choose(lottery)
    prize = db.session.get(Prize, prize_id)
    mall_hold = None
    try:
        if prize.kind == "item":
            mall_hold = stock.reserve(member.merchant_id, member.id, prize.item_id, 1)
        result = _write(member, lottery, prize, (hold, mall_hold), weights=weights,
                        roll=roll, request_key=request_key or uuid.uuid4().hex)
        db.session.commit()
    except Exception:
        db.session.rollback()
        prize_stock.release(hold)
        if mall_hold is not None:
            stock.release(mall_hold)
        raise
    prize_stock.settle(hold)
    if mall_hold is not None:
        stock.settle(mall_hold)
    return result


def _open(merchant_id: int, lottery_id: int) -> Lottery:
    lottery = get(merchant_id, lottery_id)
    moment = now()
    if not lottery.starts_at <= moment < lottery.ends_at:
        raise Conflict("This lottery is not open now.",
                       details={"starts_at": lottery.starts_at.isoformat(),
                                "ends_at": lottery.ends_at.isoformat()})
    return lottery


def _choose(lottery: Lottery):
    """(hold or None, prize id, weights in force, roll); a prize emptied meanwhile is
    dropped and the choice made again among the rest."""
    for _attempt in range(len(lottery.live_prizes) + 1):
        left = prize_stock.left(lottery)
        weights = odds.in_play([(p.id, p.weight, left[p.id]) for p in lottery.live_prizes])
        if not weights:
            raise OutOfStock("Every prize of this lottery is gone.")
        prize_id, roll = odds.draw(weights)
        if left[prize_id] is None:
            return None, prize_id, weights, roll
        hold = prize_stock.take(lottery, prize_id)
        if hold is not None:
            return hold, prize_id, weights, roll
    raise Conflict("The prizes changed while drawing; retry.")


def _write(member: Member, lottery: Lottery, prize: Prize, holds, *, weights, roll,
           request_key: str) -> Draw:
    hold, mall_hold = holds
    timezone = db.session.get(Merchant, member.merchant_id).timezone
    ledger.lock_account(member.merchant_id, member.id)  # one draw of a member at a time
    if _drawn_today(lottery, member.id, timezone) >= lottery.daily_limit:
        raise LimitExceeded("No draws left today.", details={"daily_limit": lottery.daily_limit})
    result = Draw(merchant_id=member.merchant_id, lottery_id=lottery.id, member_id=member.id,
                  request_key=request_key, reservation_id=hold.id if hold else None,
                  prize_id=prize.id, weights={str(k): v for k, v in weights.items()},
                  roll=roll, points_spent=lottery.cost_points, created_at=now())
    db.session.add(result)
    db.session.flush()
    ref = ledger.Ref("lottery_draw", str(result.id))
    ledger.post(merchant_id=member.merchant_id, member_id=member.id,
                amount=-lottery.cost_points, type="redeem", reason="lottery_draw", ref=ref,
                idempotency_key=f"lottery-draw:{member.id}:{request_key}")
    _award(member, prize, result, ref, request_key, mall_hold)
    if hold is not None:
        _take_prize(prize)
    return result


def _award(member: Member, prize: Prize, result: Draw, ref, request_key: str,
           mall_hold) -> None:
    if prize.kind == "points":
        ledger.post(merchant_id=member.merchant_id, member_id=member.id, amount=prize.points,
                    type="earn", reason="lottery_prize", ref=ref,
                    idempotency_key=f"lottery-prize:{member.id}:{request_key}")
        result.points_won = prize.points
    elif prize.kind == "item":
        result.order_id = orders.gift(member, mall_hold).id


def _take_prize(prize: Prize) -> None:
    taken = db.session.execute(sql_update(Prize).where(Prize.id == prize.id, Prize.stock >= 1)
                               .values(stock=Prize.stock - 1)).rowcount
    if not taken:
        raise OutOfStock("This prize is gone.")


def of_member(member: Member):
    """A select of the member's draws (paginate it)."""
    return select(Draw).where(Draw.member_id == member.id)


def stats(merchant_id: int, lottery_id: int) -> dict:
    """Draws, points spent and won, and per prize units won against stock left."""
    lottery = get(merchant_id, lottery_id)
    totals = db.session.execute(select(
        func.count(Draw.id), func.coalesce(func.sum(Draw.points_spent), 0),
        func.coalesce(func.sum(Draw.points_won), 0)).where(Draw.lottery_id == lottery.id)).one()
    won = dict(db.session.execute(select(Draw.prize_id, func.count(Draw.id)).where(
        Draw.lottery_id == lottery.id).group_by(Draw.prize_id)).all())
    return {"draws": totals[0], "points_spent": int(totals[1]), "points_won": int(totals[2]),
            "prizes": [{"id": p.id, "name": p.name, "kind": p.kind, "won": won.get(p.id, 0),
                        "stock": p.stock, "active": p.active} for p in lottery.prizes]}
