"""The results table: targets and their verdicts, the writer's lag, the cells of a row."""

from benchmarks import report

ROW = {"name": "mall order", "connections": 32, "requests": 1500, "rps": 150.0,
       "p50_ms": 180.04, "p99_ms": 420.0, "errors": 0, "refused_409": 0, "seconds": 10.0,
       "hello_rps": 1000.0, "hello_cpu_ms": 0.3,
       "cpu_ms": {"app": 1.5, "writer": 0.0, "pg": 0.4, "redis": 0.1},
       "trips": {"statements": 4, "transactions": 1, "redis": 2.4, "statuses": [201]},
       "check": "ledger ok", "note": ""}


def test_a_ratio_target_is_met_by_requests_per_second():
    target = report.ratio_at_least(0.15)
    assert target.text == "≥ 0.15×"
    assert target.verdict(ROW) == "met"


def test_a_ratio_target_missed_on_rps_may_be_met_on_the_cpu_ratio():
    assert report.ratio_at_least(0.2).verdict({**ROW, "hello_cpu_ms": 0.5}) == \
        "met on CPU ratio"
    assert report.ratio_at_least(0.2).verdict(ROW) == "missed"


def test_a_queued_sale_whose_writer_fell_behind_misses_whatever_its_ratio():
    target = report.ratio_at_least(0.1, writer=True)
    assert target.verdict({**ROW, "keeps_up": True}) == "met"
    assert target.verdict({**ROW, "keeps_up": False}) == "missed (writer behind)"


def test_latency_and_duration_targets():
    assert report.p99_at_most(100).verdict({"p99_ms": 99.9}) == "met"
    assert report.p99_at_most(100).verdict({"p99_ms": 100.1}) == "missed"
    assert report.seconds_at_most(30).verdict({"seconds": 31}) == "missed"


def test_cpu_per_request_by_group():
    assert report.per_request({"app": 300.0, "pg": 60.0}, 100) == {"app": 3.0, "pg": 0.6}
    assert report.per_request({"app": 300.0}, 0) == {}


def test_a_backlog_that_stays_level_keeps_up():
    keeps_up, text = report.lag_verdict([(5, 40), (10, 90), (15, 30), (20, 60)], 2000)
    assert keeps_up
    assert text.startswith("writer kept up: backlog 40, 90, 30, 60")


def test_a_backlog_that_grows_falls_behind():
    keeps_up, text = report.lag_verdict([(5, 1000), (10, 2000), (15, 3000)], 2000)
    assert not keeps_up
    assert "FELL BEHIND" in text and "+200.0/s" in text


def test_too_few_samples_are_not_judged_kept_up():
    assert report.lag_verdict([(5, 0), (10, 0)], 2000)[0] is False


def test_a_measured_row_shows_ratios_cpu_split_and_round_trips():
    cells = report.render({**ROW, "target": report.ratio_at_least(0.15)})
    assert cells["ratio"] == "0.15×"
    assert cells["CPU ms/req (app + PG + Redis)"] == "2.00 (1.50 + 0.40 + 0.10)"
    assert cells["CPU ratio"] == "0.15×"
    assert cells["PG stmts (tx) / Redis RT"] == "4 (1) / 2.4"
    assert cells["p50"] == "180.0 ms"
    assert cells["check"] == "met · ledger ok"


def test_an_in_process_row_shows_dashes_where_it_has_no_figure():
    cells = report.render({"name": "expiry of 1M lots", "requests": 1_000_000, "seconds": 21.3,
                           "rps": None, "p50_ms": None, "p99_ms": None, "errors": 0,
                           "check": "ledger ok", "note": "100000 accounts",
                           "target": report.seconds_at_most(30)})
    assert cells["rps"] == cells["ratio"] == cells["CPU ratio"] == report.DASH
    assert cells["conns"] == cells["PG stmts (tx) / Redis RT"] == report.DASH
    assert cells["check"] == "met · ledger ok · 100000 accounts"


def test_a_row_not_available_on_this_branch_says_why():
    cells = report.render({"name": "flash sale", "note": "not available: no flash"})
    assert cells["check"] == "not available: no flash"
    assert cells["requests"] == report.DASH


def test_the_table_has_a_header_a_rule_and_a_line_per_row():
    lines = report.table([ROW, {**ROW, "name": "other"}]).splitlines()
    assert len(lines) == 4
    assert lines[1] == "|" + "---|" * len(report.COLUMNS)
    assert lines[3].startswith("| other | 32 | 1500 | 150 |")
