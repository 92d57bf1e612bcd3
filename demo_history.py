"""`flask demo seed --history N`: N days of activity for a few hundred demo members, so that
every chart of the dashboard means something on the first run.

Set-based and fast: each member's story (sign-up, POS purchases, check-ins, mall orders,
referrals, points migrated from an old system that expire during the window) is replayed in
memory with the ledger's own rules (credits open lots, debits take the first-to-expire lots,
an expiry writes a lot off), then every table is written with a few multi-row INSERTs. This
bypasses `ledger.post` for speed on purpose, keeps its invariants (balance = Σ entries =
Σ live lots ≥ 0, an unbroken `balance_after` chain) and is checked by `flask ledger verify`
in the tests. Demo data only: nothing else writes a ledger this way."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select

import demo
from analytics import rollup
from core import merchants
from core.clock import local_date, now
from core.extensions import db
from engagement.models import CheckIn, ReferralReward
from loyalty.members import CARD_CODES
from loyalty.models import (
    GrowthEvent,
    LedgerEntry,
    Lot,
    LotConsumption,
    Member,
    PointsAccount,
    PosOrder,
)
from mall.models import Item, Order

MEMBERS = 300
OPENID = "demo-h-{}"  # log in as one of them with the fake WeChat code fake-demo-h-7
NAMES = ["王芳", "李娜", "张敏", "刘洋", "陈静", "杨丽", "赵雪", "黄婷",
         "周琳", "吴倩", "徐慧", "孙悦", "马兰", "朱颖", "胡蝶", "郭佳"]


@dataclass(order=True)
class Event:
    """One movement in a member's story; `row` is the business record written beside it."""

    at: datetime
    amount: int = field(compare=False)
    type: str = field(compare=False)
    reason: str = field(compare=False)
    row: tuple | None = field(default=None, compare=False)
    lot_expires_at: datetime | None = field(default=None, compare=False)


@dataclass
class Book:
    """Everything to insert, with entries referenced by their index in `entries`."""

    entries: list = field(default_factory=list)
    lots: list = field(default_factory=list)
    takes: list = field(default_factory=list)  # (entry index, lot index, amount)
    rows: list = field(default_factory=list)  # (model, values, entry index or None)
    growth: list = field(default_factory=list)


def seed(days: int) -> dict | None:
    """Write `days` of history for the demo merchant once; None when not asked for."""
    merchant = merchants.by_appid(demo.APPID)
    if not days or merchant is None:
        return None
    if db.session.execute(select(Member.id).where(
            Member.merchant_id == merchant.id, Member.openid == OPENID.format(1))).first():
        return {"created": False}
    rng, moment = random.Random(20261130), now()
    people = _members(merchant, rng, days, moment)
    stories = _stories(merchant, people, rng, moment)
    book = Book()
    for person in people:
        _replay(merchant, person, sorted(stories[person.id]), book, moment)
    _write(book)
    db.session.commit()
    rollup.rollup(merchant)
    return {"created": True, "days": days, "members": len(people),
            "entries": len(book.entries)}


def _members(merchant, rng, days, moment) -> list[Member]:
    people = []
    for n in range(1, MEMBERS + 1):
        joined = moment - timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 10))
        people.append(Member(
            merchant_id=merchant.id, openid=OPENID.format(n), tier_code="starlight",
            nickname=f"{rng.choice(NAMES)}{n}", phone=f"139{rng.randrange(10**8):08d}",
            gender=rng.choice(["female", "female", "female", "male"]), created_at=joined))
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        person.card_no = CARD_CODES.encode([person.id])
    db.session.execute(insert(PointsAccount), [
        {"merchant_id": merchant.id, "member_id": p.id, "balance": 0} for p in people])
    accounts = dict(db.session.execute(select(PointsAccount.member_id, PointsAccount.id).where(
        PointsAccount.member_id.in_([p.id for p in people]))).all())
    for person in people:
        person.account_id = accounts[person.id]
    return people


def _stories(merchant, people, rng, moment) -> dict[int, list[Event]]:
    rules, items = merchant.rules, _redeemable(merchant)
    stories = {}
    for person in people:
        story = [Event(person.created_at, rules["signup_bonus"], "earn", "signup")]
        story += _purchases(merchant, person, rng, moment)
        story += _checkins(merchant, person, rng, moment)
        story += _orders(merchant, person, rng, moment, items)
        story += _migration(person, rng, moment)
        stories[person.id] = story
    _referrals(merchant, people, stories, rng)
    return stories


def _purchases(merchant, person, rng, moment) -> list[Event]:
    rate = float(merchant.rules["earning"]["points_per_yuan"])
    events = []
    for n in range(rng.choice([0, 1, 1, 2, 3, 5])):
        at = _between(rng, person.created_at, moment)
        fen = rng.randrange(200, 6000) * 100
        points = int(fen // 100 * rate)
        order_no = f"H{person.id}-{n}"
        row = (PosOrder, {"merchant_id": merchant.id, "order_no": order_no,
                          "member_id": person.id, "amount_fen": fen, "points_earned": points,
                          "paid_at": at, "created_at": at})
        events.append(Event(at, points, "earn", "purchase", row))
    return events


def _checkins(merchant, person, rng, moment) -> list[Event]:
    ladder, keen = merchant.rules["checkin"]["ladder"], rng.random() < 0.3
    events, streak, last = [], 0, None
    day = local_date(person.created_at, merchant.timezone)
    while day < local_date(moment, merchant.timezone):
        day += timedelta(days=1)
        if rng.random() > (0.6 if keen else 0.08):
            continue
        streak = streak + 1 if last == day - timedelta(days=1) else 1
        last, points = day, ladder[min(streak, len(ladder)) - 1]
        at = datetime.combine(day, datetime.min.time(), moment.tzinfo) + timedelta(hours=2)
        row = (CheckIn, {"merchant_id": merchant.id, "member_id": person.id, "day": day,
                         "streak": streak, "points": points, "created_at": at})
        events.append(Event(at, points, "earn", "checkin", row))
    return [event for event in events if event.at < moment]


def _orders(merchant, person, rng, moment, items) -> list[Event]:
    events = []
    for n in range(rng.choice([0, 0, 1, 1, 2]) if items else 0):
        at, item = _between(rng, person.created_at, moment), rng.choice(items)
        row = (Order, {"merchant_id": merchant.id, "member_id": person.id, "item_id": item.id,
                       "order_no": f"H{person.id:08d}{n}", "reservation_id": f"h{person.id}-{n}",
                       "quantity": 1, "points": item.points_price, "cash_fen": 0,
                       "status": "completed", "created_at": at, "paid_at": at,
                       "completed_at": at})
        events.append(Event(at, -item.points_price, "redeem", "mall_order", row))
    return events


def _migration(person, rng, moment) -> list[Event]:
    """Points carried over from an old system, some of which expire within the window."""
    if rng.random() > 0.4:
        return []
    expires = _between(rng, person.created_at, moment + timedelta(days=60))
    return [Event(person.created_at + timedelta(minutes=1), rng.randrange(50, 800), "adjust",
                  "migration", lot_expires_at=expires)]


def _referrals(merchant, people, stories, rng) -> None:
    rules = merchant.rules["referral"]
    for n, person in enumerate(people[1:], start=1):
        if rng.random() > 0.15:
            continue
        referrer = people[rng.randrange(n)]
        person.referrer_id = referrer.id
        at = person.created_at + timedelta(minutes=2)
        row = (ReferralReward, {"merchant_id": merchant.id, "referrer_id": referrer.id,
                                "referee_id": person.id, "source": f"demo:{person.id}",
                                "referrer_points": rules["referrer_points"],
                                "referee_points": rules["referee_points"], "created_at": at})
        stories[person.id].append(Event(at, rules["referee_points"], "earn", "referral_referee",
                                        row))
        stories[referrer.id].append(Event(at, rules["referrer_points"], "earn",
                                          "referral_referrer"))


def _replay(merchant, person, story: list[Event], book: Book, moment) -> None:
    """The member's ledger: entries, lots and consumptions, as `ledger.post` would write."""
    state = {"balance": 0, "live": [], "earned": 0, "redeemed": 0, "growth": 0}
    months = merchant.rules["expiry"]["months"]
    for event in story:
        _expire_until(person, event.at, state, book)
        if event.amount < 0 and state["balance"] < -event.amount:
            continue  # not enough points: this redemption did not happen
        index = _entry(person, event, state, book)
        if event.row:
            book.rows.append((*event.row, index))
        if event.amount > 0:
            expires = event.lot_expires_at or event.at + timedelta(days=30 * months)
            _open_lot(person, event, index, expires, state, book)
        else:
            _take(index, -event.amount, state, book)
    _expire_until(person, moment, state, book)
    _close_member(merchant, person, state)


def _entry(person, event: Event, state, book: Book) -> int:
    state["balance"] += event.amount
    if event.type != "expire":
        state["last"] = event.at
    book.entries.append({
        "merchant_id": person.merchant_id, "account_id": person.account_id,
        "member_id": person.id, "type": event.type, "reason_code": event.reason,
        "amount": event.amount, "balance_after": state["balance"], "ref_type": "demo",
        "ref_id": str(len(book.entries)),
        "idempotency_key": f"demo-history:{person.id}:{len(book.entries)}",
        "created_at": event.at})
    return len(book.entries) - 1


def _open_lot(person, event: Event, index: int, expires, state, book: Book) -> None:
    book.lots.append({"merchant_id": person.merchant_id, "account_id": person.account_id,
                      "entry": index, "amount": event.amount, "remaining": event.amount,
                      "earned_at": event.at, "expires_at": expires, "expired_at": None})
    state["live"].append(len(book.lots) - 1)
    state["earned"] += event.amount
    if event.reason != "migration":
        state["growth"] += event.amount
        book.growth.append({"merchant_id": person.merchant_id, "member_id": person.id,
                            "amount": event.amount, "source": event.reason,
                            "created_at": event.at})


def _take(index: int, amount: int, state, book: Book) -> None:
    """Debit the first-to-expire live lots."""
    state["redeemed"] += amount
    for lot_index in sorted(state["live"], key=lambda i: (book.lots[i]["expires_at"], i)):
        lot = book.lots[lot_index]
        taken = min(lot["remaining"], amount)
        if taken:
            lot["remaining"] -= taken
            amount -= taken
            book.takes.append((index, lot_index, taken))
        if not amount:
            break
    state["live"] = [i for i in state["live"] if book.lots[i]["remaining"]]


def _expire_until(person, moment, state, book: Book) -> None:
    for lot_index in sorted(state["live"], key=lambda i: book.lots[i]["expires_at"]):
        lot = book.lots[lot_index]
        if lot["expires_at"] > moment:
            continue
        event = Event(lot["expires_at"], -lot["remaining"], "expire", "expiry")
        index = _entry(person, event, state, book)
        book.takes.append((index, lot_index, lot["remaining"]))
        lot["remaining"], lot["expired_at"] = 0, lot["expires_at"]
        state["live"].remove(lot_index)


def _close_member(merchant, person, state) -> None:
    tiers = merchant.rules["tiers"]
    person.growth_value = state["growth"]
    person.tier_code = [t for t in tiers if t["threshold"] <= state["growth"]][-1]["code"]
    person.last_active_at = state.get("last", person.created_at)


def _write(book: Book) -> None:
    entry_ids = _insert(LedgerEntry, book.entries)
    lots = [{**{k: v for k, v in lot.items() if k != "entry"},
             "entry_id": entry_ids[lot["entry"]]} for lot in book.lots]
    lot_ids = _insert(Lot, lots)
    if book.takes:
        db.session.execute(insert(LotConsumption), [
            {"entry_id": entry_ids[e], "lot_id": lot_ids[lot], "amount": amount}
            for e, lot, amount in book.takes])
    for model in (PosOrder, CheckIn, Order, ReferralReward):
        rows = [_linked(model, values, entry_ids, entries=book.entries, index=index)
                for kind, values, index in book.rows if kind is model]
        if rows:
            db.session.execute(insert(model), rows)
    if book.growth:
        db.session.execute(insert(GrowthEvent), book.growth)
    _accounts(book)


def _linked(model, values: dict, entry_ids, *, entries, index) -> dict:
    if model is PosOrder:
        return {**values, "entry_id": entry_ids[index],
                "balance_after": entries[index]["balance_after"]}
    if model is Order:
        return {**values, "redeem_entry_id": entry_ids[index]}
    return values


def _accounts(book: Book) -> None:
    totals = {}
    for entry in book.entries:
        balance, earned, redeemed = totals.get(entry["account_id"], (0, 0, 0))
        amount = entry["amount"]
        totals[entry["account_id"]] = (balance + amount, earned + max(amount, 0),
                                       redeemed + (-amount if entry["type"] == "redeem" else 0))
    for account_id, (balance, earned, redeemed) in totals.items():
        account = db.session.get(PointsAccount, account_id)
        account.balance, account.lifetime_earned = balance, earned
        account.lifetime_redeemed = redeemed


def _insert(model, rows: list[dict]) -> list[int]:
    """Multi-row INSERT … RETURNING id, ids in the rows' order."""
    if not rows:
        return []
    result = db.session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def _between(rng, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _redeemable(merchant) -> list[Item]:
    """The demo's points-only items open to every tier."""
    return list(db.session.execute(select(Item).where(
        Item.merchant_id == merchant.id, Item.cash_price_fen == 0,
        Item.min_tier.is_(None))).scalars())

