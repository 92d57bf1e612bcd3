"""CPU accounting from /proc: parsing, process trees, PostgreSQL backends, usage between samples."""

import os

from benchmarks import cpu
from benchmarks.cpu import Proc


def _stat(pid: int, comm: str, ppid: int, utime: int, stime: int, start: int) -> str:
    middle = " ".join(["0"] * 5)  # fields 9 to 13
    return (f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 {middle} {utime} {stime} 0 0 20 0 1 0 "
            f"{start} 3133440 417 0")


def test_a_stat_line_gives_parent_start_and_user_plus_system_ticks():
    assert cpu.parse_stat(_stat(42, "gunicorn", 7, 120, 30, 9000)) == Proc(42, 7, 9000, 150)


def test_a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields():
    line = _stat(43, "postgres: 15/main: (x) idle", 7, 5, 6, 77)
    assert cpu.parse_stat(line) == Proc(43, 7, 77, 11)


def test_this_process_is_in_the_snapshot_of_proc():
    assert cpu.snapshot()[os.getpid()].ppid == os.getppid()


def test_descendants_are_the_root_and_everything_under_it():
    procs = {pid: Proc(pid, ppid, 0, 0) for pid, ppid in
             ((1, 0), (10, 1), (11, 10), (12, 10), (13, 11), (20, 1))}
    assert cpu.descendants(10, procs) == {10, 11, 12, 13}
    assert cpu.descendants(99, procs) == set()


def test_a_backend_title_names_its_database_with_or_without_a_cluster_name():
    assert cpu.backend_database(
        "postgres: 15/main: postgres jifen_bench 127.0.0.1(48786) idle") == "jifen_bench"
    assert cpu.backend_database("postgres: app shop ::1(5000) SELECT") == "shop"
    assert cpu.backend_database("postgres: app shop [local] idle in transaction") == "shop"


def test_other_processes_name_no_database():
    assert cpu.backend_database("postgres: 15/main: checkpointer") is None
    assert cpu.backend_database("postgres: 15/main: logical replication launcher") is None
    assert cpu.backend_database("redis-server 127.0.0.1:6379") is None


def test_usage_is_the_tick_difference_of_processes_alive_at_both_samples():
    before = {1: Proc(1, 0, 100, 50), 2: Proc(2, 0, 100, 10)}
    after = {1: Proc(1, 0, 100, 80), 2: Proc(2, 0, 100, 10)}
    assert cpu.used(before, after, {1, 2}) == cpu.Usage(30 * cpu.TICK_MS, 0, 0)


def test_a_process_born_in_between_counts_whole_and_one_that_exited_is_reported_lost():
    before = {1: Proc(1, 0, 100, 50), 2: Proc(2, 0, 100, 10)}
    after = {1: Proc(1, 0, 100, 60), 3: Proc(3, 0, 500, 7)}
    assert cpu.used(before, after, {1, 2, 3}) == cpu.Usage(17 * cpu.TICK_MS, 1, 1)


def test_a_reused_pid_is_a_new_process():
    before = {5: Proc(5, 0, 100, 900)}
    after = {5: Proc(5, 0, 800, 4)}
    assert cpu.used(before, after, {5}) == cpu.Usage(4 * cpu.TICK_MS, 1, 1)


def test_only_the_group_counts():
    before = {1: Proc(1, 0, 100, 50), 2: Proc(2, 0, 100, 10)}
    after = {1: Proc(1, 0, 100, 60), 2: Proc(2, 0, 100, 990)}
    assert cpu.used(before, after, {1}).ms == 10 * cpu.TICK_MS
