"""The scenarios: what each sends, how wrk sends it and what is checked afterwards.

A scenario is a function of the run's Context returning a Plan (or, when the code it
measures is not on this branch, a string saying so). An in-process row is a function of the
Context returning a row dict, as `expire_million_lots` does: requests, seconds, rps, p50_ms,
p99_ms (None when they mean nothing), errors, check and note.
"""

import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app

from analytics import rollup
from benchmarks import report, seed
from core import merchants
from core.extensions import db
from loyalty import expiry, verify
from loyalty.pos import sign
from mall.models import Item

CONNECTIONS = 32
FLASH_CONNECTIONS = 200
MAX_RPS = 4_000  # requests built for a scenario that sends each once: enough for this rate
POOL = 1_000  # distinct requests a cycling scenario loops over
KEY = {"Idempotency-Key": "*"}  # replay.lua and the round-trip count put a fresh key there
SHOP_MEMBERS, SPENDERS, LOTS_PER_SPENDER = 35_000, 5_000, 10
MILLION_MEMBERS, MILLION_LOTS_PER_MEMBER = 100_000, 10
LAG_EVERY, LAG_SAMPLES = 5.0, 6  # the writer's backlog: every 5 s, at least 6 times a load
ITEM_STOCK = 1_000_000


@dataclass
class Plan:
    """How to load the server with one scenario."""

    lines: Callable[[int], list]  # n fresh requests (method, path, headers, body)
    cycle: bool  # wrk loops over `pool` of them; else sends each once
    pool: int = POOL
    connections: int = CONNECTIONS
    seconds: int | None = None  # None: the run's duration
    check: Callable[[dict], str] = lambda _result: ""
    pending: Callable[[], int] | None = None  # the writer's backlog, when the plan needs it


@dataclass
class Merchant:
    """A seeded merchant: its POS key, members, those with live points, the unused ones."""

    id: int
    pos_key_id: str
    pos_secret: str
    members: list[int]
    spenders: list[int]
    unused: list[int] = field(default_factory=list)

    def fresh(self, count: int) -> list[int]:
        """Members no scenario has used yet (one check-in per member and day)."""
        taken, self.unused = self.unused[:count], self.unused[count:]
        return taken


class Context:
    """What the scenarios of a run share: its durations and the seeded merchants."""

    def __init__(self, duration: int, lag_seconds: int):
        self.duration, self.lag_seconds = duration, lag_seconds
        self._merchants: dict[str, Merchant] = {}

    def merchant(self, name: str) -> Merchant:
        """The merchant `name` of SEEDS, seeded on first use."""
        if name not in self._merchants:
            self._merchants[name] = SEEDS[name]()
        return self._merchants[name]


def _seed_merchant(count: int, lots: int, lot_members: int, expires_in_days: int) -> Merchant:
    made, secret = seed.merchant()
    ids = seed.members(made.id, count)
    seed.earned_lots(made.id, lots, expires_in_days=expires_in_days,
                     last_member=ids[lot_members - 1])
    return Merchant(made.id, made.pos_key_id, secret, ids, ids[:lot_members],
                    unused=ids[lot_members:])


def _million() -> Merchant:
    """100k members with 10 lots of 10 points each, due to expire, earned over 29 days,
    the closed days rolled up as the nightly job does."""
    made = _seed_merchant(MILLION_MEMBERS, MILLION_LOTS_PER_MEMBER, MILLION_MEMBERS, -1)
    rollup.rollup(merchants.get(made.id))
    db.session.remove()
    return made


SEEDS = {
    # spenders hold 10 live lots of 10 points (a year to go); the others start empty
    "shop": lambda: _seed_merchant(SHOP_MEMBERS, LOTS_PER_SPENDER, SPENDERS, 365),
    "million": _million,
}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _check_ledger() -> str:
    failures = verify.failures()
    db.session.remove()
    return "ledger ok" if not failures else f"LEDGER FAILURES: {len(failures)}"


def _member_lines(merchant: Merchant, members: list[int], method: str, path: str,
                  body: dict | None = None) -> list:
    headers = {"Content-Type": "application/json", **KEY} if method == "POST" else {}
    return [(method, path, {**_bearer(seed.member_token(merchant.id, m)), **headers},
             json.dumps(body) if body is not None else None) for m in members]


def _cycling(members: list[int], count: int) -> list[int]:
    return [members[n % len(members)] for n in range(count)]


def hello(connections: int) -> Plan:
    """The baseline: a JSON endpoint of the same app that touches nothing."""
    return Plan(lambda n: [("GET", "/healthz", {}, None)] * n, cycle=True, pool=1,
                connections=connections)


def balance_read(ctx: Context) -> Plan:
    """GET /me/points of 1,000 members with ten live lots each."""
    shop = ctx.merchant("shop")
    return Plan(lambda n: _member_lines(shop, _cycling(shop.spenders, n), "GET",
                                        "/api/v1/me/points"), cycle=True)


def _order_plan(ctx: Context, stock: int, connections: int = CONNECTIONS,
                seconds: int | None = None, **flags) -> Plan:
    shop = ctx.merchant("shop")
    item_id = seed.item(shop.id, stock, **flags).id
    body = {"item_id": item_id, "quantity": 1, "address": "上海"}
    return Plan(lambda n: _member_lines(shop, _cycling(shop.spenders, n), "POST",
                                        "/api/v1/mall/orders", body),
                cycle=True, pool=len(shop.spenders), connections=connections,
                seconds=seconds, check=lambda _result: seed.oversell(item_id, stock))


def sold_out(ctx: Context) -> Plan:
    """POST /mall/orders for an item with no unit left (every answer a 409 OUT_OF_STOCK)."""
    plan = _order_plan(ctx, 0)
    oversell = plan.check
    plan.check = lambda result: (f"{oversell(result)}; "
                                 f"{result['refused_409']} refused with 409 (expected)")
    return plan


def mall_order(ctx: Context) -> Plan:
    """POST /mall/orders, synchronous (201), for a regular item with units left."""
    return _order_plan(ctx, ITEM_STOCK)


def _pos_lines(merchant: Merchant, member_ids: list[int], count: int) -> list:
    now = str(int(time.time()))
    lines = []
    for n in range(count):
        body = json.dumps({"order_no": f"bench-{uuid.uuid4().hex}",
                           "member": {"member_id": member_ids[n % len(member_ids)]},
                           "amount_fen": 12_345, "paid_at": datetime.now(UTC).isoformat()})
        nonce = uuid.uuid4().hex
        headers = {"Content-Type": "application/json", "X-Jifen-Key": merchant.pos_key_id,
                   "X-Jifen-Timestamp": now, "X-Jifen-Nonce": nonce, **KEY,
                   "X-Jifen-Signature": sign(merchant.pos_secret, now, nonce, "POST",
                                             "/api/v1/pos/orders", body.encode())}
        lines.append(("POST", "/api/v1/pos/orders", headers, body))
    return lines


def pos_distinct(ctx: Context) -> Plan:
    """POS earn, each order for the next of 35,000 members."""
    shop = ctx.merchant("shop")
    return Plan(lambda n: _pos_lines(shop, shop.members, n), cycle=False)


def pos_hot(ctx: Context) -> Plan:
    """POS earn, every order for the same member (one account row)."""
    shop = ctx.merchant("shop")
    return Plan(lambda n: _pos_lines(shop, shop.members[:1], n), cycle=False)


def checkin(ctx: Context) -> Plan:
    """POST /me/checkins, each by a member who has not checked in today."""
    shop = ctx.merchant("shop")
    return Plan(lambda n: _member_lines(shop, shop.fresh(n), "POST", "/api/v1/me/checkins"),
                cycle=False)


def _flash_plan(ctx: Context, connections: int, seconds: int | None) -> Plan | str:
    """POST /mall/orders for a `flash: true` item: 202 queued, the writer running beside."""
    if not hasattr(Item, "flash"):
        return "not available: Item has no `flash` attribute on this branch"
    backlog = importlib.import_module("mall.flash").backlog
    plan = _order_plan(ctx, ITEM_STOCK, connections, seconds, flash=True)
    plan.pending = backlog
    return plan


def flash_queued(ctx: Context) -> Plan | str:
    """The queued flash sale, the writer's backlog sampled over the lag window."""
    return _flash_plan(ctx, CONNECTIONS, max(ctx.lag_seconds, ctx.duration))


def flash_queued_crowd(ctx: Context) -> Plan | str:
    """The queued flash sale at 200 connections."""
    return _flash_plan(ctx, FLASH_CONNECTIONS, None)


def analytics_summary(ctx: Context) -> Plan:
    """GET /admin/analytics/summary over the last 30 days with 1,000,000 entries in them
    (closed days from the nightly roll-up, today live), from one client: its latency."""
    token = seed.owner_token(ctx.merchant("million").id)
    return Plan(lambda n: [("GET", "/api/v1/admin/analytics/summary", _bearer(token), None)] * n,
                cycle=True, pool=1, connections=1)


def checked(plan: Plan, result: dict) -> tuple[str, bool | None]:
    """After a load: the ledger check, the plan's own, and for a queued sale whether the
    writer kept up."""
    checks = [_check_ledger(), plan.check(result)]
    keeps_up = None
    if plan.pending:
        keeps_up, lag = report.lag_verdict(result["lag"], result["rps"])
        checks.append(f"{lag}, drained in {result['drained_s']:.1f} s")
    return "; ".join(c for c in checks if c), keeps_up


@dataclass
class LagWatch:
    """Samples `pending()` every few seconds in a thread while a load of `seconds` runs."""

    pending: Callable[[], int]
    seconds: float
    samples: list = field(default_factory=list)

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run,
                                        args=(current_app._get_current_object(),))
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()

    def _run(self, app) -> None:
        started = time.perf_counter()
        with app.app_context():
            while not self._stop.wait(min(LAG_EVERY, self.seconds / LAG_SAMPLES)):
                self.samples.append((time.perf_counter() - started, self.pending()))


def expire_million_lots(ctx: Context) -> dict:
    """`flask points expire` over 1,000,000 due lots of 100,000 members, in-process."""
    ctx.merchant("million")
    started = time.perf_counter()
    result = expiry.expire_due()
    seconds = time.perf_counter() - started
    db.session.remove()
    return {"requests": result["points"] // 10, "seconds": seconds, "rps": None,
            "p50_ms": None, "p99_ms": None, "errors": 0, "check": _check_ledger(),
            "note": f"{result['accounts']} accounts, {result['points']} points"}
