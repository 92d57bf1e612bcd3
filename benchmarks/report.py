"""The results table: a row per scenario, its target and whether the run met it.

A measured row is a dict: name, connections, requests, rps, p50_ms, p99_ms, errors,
refused_409, seconds, ran_out; hello_rps and hello_cpu_ms (the adjacent hello); cpu_ms
(ms of CPU per request by group: app, writer, pg, redis); trips (statements, transactions,
redis, statuses of the in-process count); keeps_up (the flash-sale writer); check, note and
target. An in-process row has only some of them; what a row lacks prints as "—".
"""

from collections.abc import Callable
from dataclasses import dataclass

COLUMNS = ("scenario", "conns", "requests", "rps", "p50", "p99", "errors", "409s",
           "hello rps", "ratio", "CPU ms/req (app + PG + Redis)", "hello CPU ms/req",
           "CPU ratio", "PG stmts (tx) / Redis RT", "seconds", "target", "check")
KEEPING_UP = 0.01  # the backlog may trend up by at most this share of the accept rate
DASH = "—"


@dataclass(frozen=True)
class Target:
    """What a row should reach, and the verdict on a row."""

    text: str
    verdict: Callable[[dict], str]


def ratio_at_least(minimum: float, writer: bool = False) -> Target:
    """rps ratio to the adjacent hello, or failing that the CPU-per-request ratio (the
    measure the shared machine's noise cancels from), at least `minimum`."""

    def verdict(row: dict) -> str:
        if writer and not row.get("keeps_up"):
            return "missed (writer behind)"
        if (_ratio(row) or 0) >= minimum:
            return "met"
        return "met on CPU ratio" if (_cpu_ratio(row) or 0) >= minimum else "missed"

    return Target(f"≥ {minimum}×" + (", writer keeping up" if writer else ""), verdict)


def p99_at_most(ms: float) -> Target:
    return Target(f"p99 ≤ {ms:g} ms",
                  lambda row: "met" if row["p99_ms"] <= ms else "missed")


def seconds_at_most(seconds: float) -> Target:
    return Target(f"≤ {seconds:g} s",
                  lambda row: "met" if row["seconds"] <= seconds else "missed")


def per_request(cpu_ms: dict, requests: int) -> dict:
    """ms of CPU per request by group."""
    return {name: ms / requests for name, ms in cpu_ms.items()} if requests else {}


def lag_verdict(samples: list[tuple[float, int]], accept_rps: float) -> tuple[bool, str]:
    """Whether the writer kept up: the backlog's least-squares trend over the samples stays
    under KEEPING_UP of the accept rate (a backlog that grows without bound falls behind)."""
    if len(samples) < 3:
        return False, f"writer lag not judged: {len(samples)} samples"
    slope = _slope(samples)
    keeps_up = slope <= KEEPING_UP * accept_rps
    shown = ", ".join(str(backlog) for _t, backlog in samples)
    return keeps_up, (f"writer {'kept up' if keeps_up else 'FELL BEHIND'}: backlog {shown} "
                      f"(trend {slope:+.1f}/s)")


def _slope(samples: list[tuple[float, int]]) -> float:
    n = len(samples)
    mean_t = sum(t for t, _b in samples) / n
    mean_b = sum(b for _t, b in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _b in samples)
    return sum((t - mean_t) * (b - mean_b) for t, b in samples) / spread if spread else 0.0


def _ratio(row: dict) -> float | None:
    return row["rps"] / row["hello_rps"] if row.get("rps") and row.get("hello_rps") else None


def _total(cpu_ms: dict | None) -> float | None:
    return sum(cpu_ms.values()) if cpu_ms else None


def _cpu_ratio(row: dict) -> float | None:
    total = _total(row.get("cpu_ms"))
    return row["hello_cpu_ms"] / total if total and row.get("hello_cpu_ms") else None


def _number(value, spec: str, suffix: str = "") -> str:
    return DASH if value is None else f"{value:{spec}}{suffix}"


def _cpu(cpu_ms: dict | None) -> str:
    if not cpu_ms:
        return DASH
    app = cpu_ms["app"] + cpu_ms.get("writer", 0)
    return f"{_total(cpu_ms):.2f} ({app:.2f} + {cpu_ms['pg']:.2f} + {cpu_ms['redis']:.2f})"


def _trips(trips: dict | None) -> str:
    if not trips:
        return DASH
    return f"{trips['statements']:g} ({trips['transactions']:g}) / {trips['redis']:g}"


def _check(row: dict) -> str:
    measured = row.get("target") and "requests" in row
    verdict = row["target"].verdict(row) if measured else ""
    return " · ".join(part for part in (verdict, row.get("check"), row.get("note")) if part)


def render(row: dict) -> dict:
    """The row's cells, by column."""
    cells = (row["name"], row.get("connections", DASH), row.get("requests", DASH),
             _number(row.get("rps"), ",.0f"), _number(row.get("p50_ms"), ".1f", " ms"),
             _number(row.get("p99_ms"), ".1f", " ms"), row.get("errors", DASH),
             row.get("refused_409", DASH), _number(row.get("hello_rps"), ",.0f"),
             _number(_ratio(row), ".2f", "×"), _cpu(row.get("cpu_ms")),
             _number(row.get("hello_cpu_ms"), ".3f"), _number(_cpu_ratio(row), ".2f", "×"),
             _trips(row.get("trips")), _number(row.get("seconds"), ".1f"),
             row["target"].text if row.get("target") else DASH, _check(row))
    return dict(zip(COLUMNS, cells, strict=True))


def table(rows: list[dict]) -> str:
    """A markdown table of the rows."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(cell) for cell in render(row).values()) + " |"
              for row in rows]
    return "\n".join(lines)
