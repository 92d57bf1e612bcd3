"""CPU time of the processes that serve a benchmark, read from /proc.

Each process's utime + stime (fields 14 and 15 of /proc/<pid>/stat, all its threads) is
sampled before and after a load; the difference over the requests served is the CPU each
request cost, whatever else the shared machine was doing meanwhile. A process is known by its
pid and start time, so a reused pid is a new process. A process that exits between the two
samples takes its CPU time with it (its parent, the postmaster, reaps it for every database
at once): such losses are counted, never guessed.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    """One process in one sample."""

    pid: int
    ppid: int
    start: int  # clock ticks after boot
    ticks: int  # utime + stime


@dataclass(frozen=True)
class Usage:
    """CPU used by a group of processes between two samples."""

    ms: float
    came: int  # processes that started in between: counted whole
    went: int  # processes that exited in between: their last ticks are lost


def parse_stat(text: str) -> Proc:
    """A /proc/<pid>/stat line; the command name may hold spaces and parentheses."""
    head, _, rest = text.rpartition(")")
    fields = rest.split()  # fields[0] is field 3 of proc(5), the state
    return Proc(pid=int(head.split("(", 1)[0]), ppid=int(fields[1]), start=int(fields[19]),
                ticks=int(fields[11]) + int(fields[12]))


def snapshot() -> dict[int, Proc]:
    """Every process this user may read, by pid."""
    procs = {}
    for path in PROC.glob("[0-9]*/stat"):
        try:
            proc = parse_stat(path.read_text())
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
        procs[proc.pid] = proc
    return procs


def descendants(root: int, procs: dict[int, Proc]) -> set[int]:
    """The root and every process under it."""
    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in procs and pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, ()))
    return found


def title(pid: int) -> str:
    """The process title (a PostgreSQL backend shows its user and database there)."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def backend_database(title_: str) -> str | None:
    """The database of a PostgreSQL backend from its title, None for other processes:
    `postgres: [cluster: ]user database host(port) activity`."""
    if not title_.startswith("postgres: "):
        return None
    words = title_.removeprefix("postgres: ").split()
    if words and words[0].endswith(":"):  # cluster_name, e.g. "15/main:"
        words = words[1:]
    if len(words) >= 3 and (words[2].endswith(")") or words[2] == "[local]"):
        return words[1]
    return None


def used(before: dict[int, Proc], after: dict[int, Proc], pids: Iterable[int]) -> Usage:
    """CPU of the processes `pids` between two snapshots (a group is the union of its members
    at both samples, so a process that joined it in between still counts from the first)."""
    ticks = came = went = 0
    for pid in set(pids):
        earlier, later = before.get(pid), after.get(pid)
        same = earlier is not None and later is not None and earlier.start == later.start
        if same:
            ticks += later.ticks - earlier.ticks
        elif later is not None:  # born after the first snapshot: all its time is in between
            ticks += later.ticks
            came += 1
        if earlier is not None and not same:
            went += 1
    return Usage(ticks * TICK_MS, came, went)
