"""Run the benchmark scenarios and write benchmarks/RESULTS.md.

    python -m benchmarks [--duration 10] [--lag-seconds 60] [--only TEXT]

Uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/jifen_bench, recreated)
and BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed). Needs `wrk` (Debian).
"""

import argparse
import os
import platform
import subprocess
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import crm, harness, report, roundtrips, scenarios
from benchmarks.report import p99_at_most, ratio_at_least, seconds_at_most

RESULTS = Path(__file__).with_name("RESULTS.md")
WARM_UP_SECONDS, WARM_UP_REQUESTS = 2, 500

# (name, scenario, target): each row is measured against a hello run just before it
SCENARIOS = (
    ("balance read", scenarios.balance_read, ratio_at_least(0.5)),
    ("sold out (mall order, no unit left)", scenarios.sold_out, ratio_at_least(0.8)),
    ("POS earn, distinct members", scenarios.pos_distinct, ratio_at_least(0.2)),
    ("POS earn, one hot member", scenarios.pos_hot, ratio_at_least(0.2)),
    ("check-in, distinct members", scenarios.checkin, ratio_at_least(0.2)),
    ("mall order, synchronous", scenarios.mall_order, ratio_at_least(0.15)),
    ("flash sale queued, accepted", scenarios.flash_queued, ratio_at_least(0.5, writer=True)),
    ("flash sale queued, accepted, 200 conns", scenarios.flash_queued_crowd,
     ratio_at_least(0.5, writer=True)),
    ("analytics summary, 1M entries", scenarios.analytics_summary, p99_at_most(100)),
)
# (name, function of the Context returning a row dict, target or None): run in-process
# after the loads, in this order
IN_PROCESS = (
    ("expiry of 1M lots", scenarios.expire_million_lots, seconds_at_most(30)),
    ("import of 100k members", crm.import_100k, seconds_at_most(120)),
    ("RFM scoring, 100k members", crm.rfm_100k, None),
)


def run(duration: int, lag_seconds: int, only: str | None = None) -> list[dict]:
    """Every row (or those whose name contains `only`), each after a VACUUM ANALYZE."""
    app = harness.make_app()
    harness.reset_database(app)
    probe = harness.make_app()  # the round-trip count's own app: its requests, its contexts
    rows = []
    with app.app_context(), harness.stack(harness.free_port()) as stack:
        ctx = scenarios.Context(duration, lag_seconds)
        _load(stack, scenarios.hello(scenarios.CONNECTIONS), 3)  # every worker booted
        for name, scenario, target in _chosen(SCENARIOS, only):
            rows.append({"name": name, "target": target,
                         **_measure(stack, probe, ctx, scenario)})
            print(report.table(rows[-1:]).splitlines()[-1], flush=True)
        for name, function, target in _chosen(IN_PROCESS, only):
            stack.vacuum()
            rows.append({"name": name, "target": target, **function(ctx)})
            print(report.table(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def _chosen(rows: tuple, only: str | None) -> tuple:
    return tuple(row for row in rows if only is None or only in row[0])


def _measure(stack: harness.Stack, probe, ctx: scenarios.Context, scenario) -> dict:
    plan = scenario(ctx)
    if isinstance(plan, str):
        return {"note": plan}
    with stack.writer_running(plan.pending) if plan.pending else nullcontext():
        trips = roundtrips.measure(probe, plan.lines(roundtrips.WARMUP + roundtrips.MEASURED))
        _warm_up(stack, plan)
        stack.vacuum()
        hello = _load(stack, scenarios.hello(plan.connections), ctx.duration)
        result = _load(stack, plan, plan.seconds or ctx.duration)
    check, keeps_up = scenarios.checked(plan, result)
    return {**result, "connections": plan.connections, "hello_rps": hello["rps"],
            "hello_cpu_ms": sum(hello["cpu_ms"].values()), "trips": trips,
            "keeps_up": keeps_up, "check": check,
            "note": _notes(result, trips)}


def _warm_up(stack: harness.Stack, plan: scenarios.Plan) -> None:
    """A short load of the plan's own requests: every worker's pool holds the connections
    (and every backend the catalog caches) the measured load will use."""
    path = harness.write_requests(plan.lines(min(plan.pool, WARM_UP_REQUESTS)))
    harness.wrk(stack.base, path, cycle=plan.cycle, connections=plan.connections,
                duration=WARM_UP_SECONDS)
    os.unlink(path)


def _load(stack: harness.Stack, plan: scenarios.Plan, seconds: int) -> dict:
    """wrk with the plan's requests between two drained, sampled moments."""
    count = plan.pool if plan.cycle else scenarios.MAX_RPS * seconds
    path = harness.write_requests(plan.lines(count))
    stack.drain()
    before = stack.sample()
    with scenarios.LagWatch(plan.pending, seconds) if plan.pending else nullcontext() as watch:
        result = harness.wrk(stack.base, path, cycle=plan.cycle,
                             connections=plan.connections, duration=seconds)
    drained = stack.drain()
    after = stack.sample()
    cpu = harness.cpu_between(before, after)
    served = max(stack.served(before, after), result["requests"])
    os.unlink(path)
    return {**result, "cpu_ms": report.per_request(cpu["ms"], served), "served": served,
            "pg_came": cpu["pg_came"], "pg_went": cpu["pg_went"], "drained_s": drained,
            "lag": watch.samples if watch else None}


def _notes(result: dict, trips: dict) -> str:
    notes = []
    if result["ran_out"]:
        notes.append("ran out of requests before the end: rps understated")
    if result["pg_came"]:
        notes.append(f"{result['pg_came']} PostgreSQL backends started during the load "
                     "(their connection set-up counted)")
    if result["pg_went"]:
        notes.append(f"{result['pg_went']} PostgreSQL backends exited during the load "
                     "(their CPU is missing)")
    if result["drained_s"] >= harness.DRAIN_TIMEOUT:
        notes.append("did not drain")
    if result["cpu_ms"].get("writer"):
        notes.append(f"writer {result['cpu_ms']['writer']:.2f} ms/req of the app's CPU")
    if any(status >= 400 for status in trips["statuses"]):
        notes.append(f"in-process count answered {trips['statuses']}")
    return "; ".join(notes)


def machine() -> str:
    """What the numbers were measured on."""
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · "
            f"{os.cpu_count()} cores (load average at the end {load}) · Python "
            f"{platform.python_version()} · {pg.strip()} · "
            f"{wrk.splitlines()[0] if wrk else 'wrk'} · gunicorn.conf.py "
            f"(gthread, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '2×cores+1')})")


LEGEND = """\
Load generator: wrk (2 threads) on loopback, sharing the machine's cores with gunicorn,
PostgreSQL and Redis. Every row runs at the same {conns} connections (one flash-sale row at
200, the analytics summary at 1: it measures latency), after a VACUUM ANALYZE and a drain,
right after a hello (`GET /healthz`) at the same connections: **ratio** is rps / that hello's
rps. **CPU ms/req** is utime + stime from /proc of gunicorn's master and workers (and the
flash-sale writer), of the PostgreSQL backends of the benchmark database and of redis-server
(shared with other Redis databases on this machine), sampled before and after the load,
divided by the requests served; **CPU ratio** = hello's CPU per request / the row's, the
figure the machine's other load does not move. **PG stmts (tx) / Redis RT**: per request,
from a few of the row's requests run in-process. Every POST carries a unique
Idempotency-Key.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--lag-seconds", type=int, default=60,
                        help="seconds of the flash sale whose writer backlog is sampled")
    parser.add_argument("--only", help="run the rows whose name contains this; RESULTS.md "
                                       "is then left as it is")
    args = parser.parse_args()
    rows = run(args.duration, args.lag_seconds, args.only)
    print(report.table(rows))
    if args.only:
        return
    RESULTS.write_text(f"# Benchmark results\n\n{machine()}\n\n"
                       f"{LEGEND.format(conns=scenarios.CONNECTIONS)}\n"
                       f"{report.table(rows)}\n")


if __name__ == "__main__":
    main()
