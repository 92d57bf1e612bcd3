"""Each scenario builds its requests, runs wrk against gunicorn and checks invariants."""

import json
import time
import uuid
from datetime import UTC, datetime

from analytics import rollup
from benchmarks import harness, seed
from core import merchants
from core.extensions import db
from loyalty import expiry, verify
from loyalty.pos import sign


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _check_ledger() -> str:
    failures = verify.failures()
    return "ledger ok" if not failures else f"LEDGER FAILURES: {len(failures)}"


def hello(ctx) -> dict:
    """The baseline: a JSON endpoint of the same app that touches nothing (after a warm-up
    that lets every worker finish booting)."""
    path = harness.write_requests([("GET", "/healthz", {}, None)])
    harness.wrk(ctx.base, path, cycle=True, connections=32, duration=3)
    return harness.wrk(ctx.base, path, cycle=True, connections=32, duration=ctx.duration)


def balance_read(ctx) -> dict:
    """GET /me/points for 1,000 members (an account, its live lots)."""
    lines = [("GET", "/api/v1/me/points", _bearer(seed.member_token(ctx.merchant_id, m)), None)
             for m in ctx.members[:1000]]
    path = harness.write_requests(lines)
    return harness.wrk(ctx.base, path, cycle=True, connections=32, duration=ctx.duration)


def _pos_lines(ctx, member_ids, count: int):
    now = str(int(time.time()))
    for n in range(count):
        body = json.dumps({"order_no": f"bench-{uuid.uuid4().hex}",
                           "member": {"member_id": member_ids[n % len(member_ids)]},
                           "amount_fen": 12_345, "paid_at": datetime.now(UTC).isoformat()})
        nonce = uuid.uuid4().hex
        headers = {"Content-Type": "application/json", "X-Jifen-Key": ctx.pos_key_id,
                   "X-Jifen-Timestamp": now, "X-Jifen-Nonce": nonce,
                   "X-Jifen-Signature": sign(ctx.pos_secret, now, nonce, "POST",
                                             "/api/v1/pos/orders", body.encode())}
        yield "POST", "/api/v1/pos/orders", headers, body


def pos_distinct(ctx) -> dict:
    """POS earn, each order for another member (32 clients)."""
    path = harness.write_requests(_pos_lines(ctx, ctx.members, 40_000))
    result = harness.wrk(ctx.base, path, cycle=False, connections=32, duration=ctx.duration)
    return {**result, "check": _check_ledger()}


def pos_hot(ctx) -> dict:
    """POS earn, every order for the same member (32 clients, one account row)."""
    path = harness.write_requests(_pos_lines(ctx, ctx.members[:1], 20_000))
    result = harness.wrk(ctx.base, path, cycle=False, connections=32, duration=ctx.duration)
    return {**result, "check": _check_ledger()}


def checkin(ctx) -> dict:
    """POST /me/checkins, 10,000 distinct members once each (64 clients)."""
    lines = [("POST", "/api/v1/me/checkins", _bearer(seed.member_token(ctx.merchant_id, m)),
              None) for m in ctx.members[:10_000]]
    path = harness.write_requests(lines)
    result = harness.wrk(ctx.base, path, cycle=False, connections=64, duration=ctx.duration)
    return {**result, "check": _check_ledger()}


def _flash_sale(ctx, stock: int) -> tuple[dict, int]:
    item = seed.item(ctx.merchant_id, stock)
    body = json.dumps({"item_id": item.id, "quantity": 1, "address": "上海"})
    lines = [("POST", "/api/v1/mall/orders",
              {**_bearer(seed.member_token(ctx.merchant_id, m)),
               "Content-Type": "application/json"}, body) for m in ctx.members[:2_000]]
    path = harness.write_requests(lines)
    result = harness.wrk(ctx.base, path, cycle=True, connections=200, duration=ctx.duration)
    return result, item.id


def flash_sale_units_left(ctx) -> dict:
    """POST /mall/orders at 200 clients while stock lasts (1,000,000 units)."""
    result, item_id = _flash_sale(ctx, 1_000_000)
    return {**result, "check": f"{_check_ledger()}; {seed.oversold(item_id)}"}


def flash_sale_sold_out(ctx) -> dict:
    """POST /mall/orders at 200 clients for an item whose 50 units are gone."""
    result, item_id = _flash_sale(ctx, 50)
    return {**result, "check": f"{result['refused_409']} refused with 409 OUT_OF_STOCK "
                               f"(expected); {seed.oversold(item_id)}"}


def analytics_summary(ctx) -> dict:
    """GET /admin/analytics/summary over the last 30 days with 1,000,000 entries in them
    (closed days from the nightly roll-up, today live)."""
    rolled = rollup.rollup(merchants.get(ctx.merchant_id))
    db.session.remove()
    token = seed.owner_token(ctx.merchant_id)
    path = harness.write_requests([("GET", "/api/v1/admin/analytics/summary", _bearer(token),
                                    None)])
    # one client: the target is the latency of one summary, not a throughput
    result = harness.wrk(ctx.base, path, cycle=True, connections=1, duration=ctx.duration)
    return {**result, "check": f"{rolled} days rolled up before the run"}


def expire_million_lots(ctx) -> dict:
    """`flask points expire` over 1,000,000 due lots of 100,000 members, in-process."""
    started = time.perf_counter()
    result = expiry.expire_due()
    seconds = time.perf_counter() - started
    db.session.remove()
    return {"requests": result["points"] // 10, "seconds": seconds, "rps": None,
            "p50_ms": None, "p99_ms": None, "errors": 0, "check": _check_ledger(),
            "note": f"{result['accounts']} accounts, {result['points']} points"}
