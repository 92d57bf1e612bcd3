"""Run the benchmark scenarios and write benchmarks/RESULTS.md.

    python -m benchmarks [--duration 10] [--only TEXT]

Uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/jifen_bench, recreated)
and BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed). Needs `wrk` (Debian).
"""

import argparse
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import harness, scenarios, seed

RESULTS = Path(__file__).with_name("RESULTS.md")
TARGETS = {
    "balance read": "—",
    "check-in, 10k distinct members": "ratio ≥ 0.5",
    "flash sale, units left": "ratio ≥ 0.5",
    "flash sale, sold out": "ratio ≥ 0.8",
    "POS earn, distinct members": "≥ 3× hot member",
    "POS earn, one hot member": "≥ 300 earns/s",
    "analytics summary, 1M entries": "≤ 300 ms",
    "expiry of 1M lots": "≤ 60 s",
}


# (name, scenario, members of a fresh merchant, 10-point lots each) — None: keep the merchant
SCENARIOS = (
    ("balance read", scenarios.balance_read, 10_000, 0),
    ("POS earn, distinct members", scenarios.pos_distinct, None, 0),
    ("POS earn, one hot member", scenarios.pos_hot, None, 0),
    ("check-in, 10k distinct members", scenarios.checkin, None, 0),
    ("flash sale, units left", scenarios.flash_sale_units_left, 2_000, 10),
    ("flash sale, sold out", scenarios.flash_sale_sold_out, None, 0),
    ("analytics summary, 1M entries", scenarios.analytics_summary, 100_000, 10),
)


@dataclass
class Context:
    base: str
    duration: int
    merchant_id: int = 0
    pos_key_id: str = ""
    pos_secret: str = ""
    members: list | None = None


def _row(name, result, hello_rps) -> dict:
    rps = result.get("rps")
    return {"scenario": name, "requests": result["requests"],
            "rps": f"{rps:,.0f}" if rps else "—",
            "p50": f"{result['p50_ms']:.1f} ms" if result.get("p50_ms") is not None else "—",
            "p99": f"{result['p99_ms']:.1f} ms" if result.get("p99_ms") is not None else "—",
            "errors": result["errors"],
            "409s": result.get("refused_409", 0),
            "ratio": f"{rps / hello_rps:.2f}" if rps and hello_rps else "—",
            "seconds": f"{result['seconds']:.1f}",
            "target": TARGETS.get(name, "baseline"),
            "check": result.get("check", "") + (f" ({result['note']})" if "note" in result
                                                else "")}


def run(duration: int, only: str | None = None) -> list[dict]:
    """hello, then every scenario (or those whose name contains `only`, each with the one
    whose merchant it reuses), then the expiry of 1M lots (full runs only)."""
    app = harness.make_app()
    harness.reset_database(app)
    with app.app_context():
        ctx = Context("", duration)
        with harness.gunicorn(harness.free_port()) as base:
            ctx.base = base
            hello = scenarios.hello(ctx)
            rows = [_row("hello (GET /healthz)", hello, hello["rps"])]
            for name, scenario, members, lots in _chosen(only):
                if members:
                    _fresh_merchant(ctx, members, lots)
                rows.append(_row(name, scenario(ctx), hello["rps"]))
        if only is None:  # it expires the lots the last scenario's merchant was seeded with
            rows.append(_row("expiry of 1M lots", scenarios.expire_million_lots(ctx),
                             hello["rps"]))
    return rows


def _chosen(only: str | None) -> list[tuple]:
    chosen = []
    for index, (name, *_rest) in enumerate(SCENARIOS):
        if only is None or only in name:
            seeder = next(s for s in reversed(SCENARIOS[:index + 1]) if s[2])
            chosen += [s for s in (seeder, SCENARIOS[index]) if s not in chosen]
    return chosen


def _fresh_merchant(ctx: Context, members: int, lots_per_member: int) -> None:
    merchant, ctx.pos_secret = seed.merchant()
    ctx.merchant_id, ctx.pos_key_id = merchant.id, merchant.pos_key_id
    ctx.members = seed.members(ctx.merchant_id, members)
    if lots_per_member:
        seed.earned_lots(ctx.merchant_id, lots_per_member)


def table(rows: list[dict]) -> str:
    """A markdown table of the rows."""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    """What the numbers were measured on."""
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · "
            f"{os.cpu_count()} cores · Python {platform.python_version()} · "
            f"{pg.strip()} · {wrk.splitlines()[0] if wrk else 'wrk'} · gunicorn.conf.py "
            f"(gthread, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '2×cores+1')})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk scenario")
    parser.add_argument("--only", help="run the scenarios whose name contains this (and what "
                                       "they need); RESULTS.md is then left as it is")
    args = parser.parse_args()
    rows = run(args.duration, args.only)
    report = table(rows)
    print(report)
    if args.only:
        return
    RESULTS.write_text(f"# Benchmark results\n\n{machine()}\n\nLoad generator: wrk from a "
                       f"second process on loopback; the server and wrk share the machine's "
                       f"cores, so read the ratio to hello more than the absolute "
                       f"numbers.\n\n{report}\n")


if __name__ == "__main__":
    main()
