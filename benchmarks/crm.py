"""CRM benchmark rows: importing 100k members from a legacy CSV, RFM scoring over 100k members.

In-process rows of `python -m benchmarks` (`--only import`, `--only RFM`): each creates its own
merchant and runs in the caller's app context on the benchmark database.
"""

import io
import os
import random
import time

from flask import current_app
from sqlalchemy import func, select, text

from benchmarks import seed
from benchmarks.scenarios import _bearer, _check_ledger
from core.extensions import db
from crm import rfm
from crm.models import ImportKey
from loyalty.models import LedgerEntry, Lot, Member

MEMBERS = 100_000
HEADER = "phone,name,card_no,balance,expires_at,tier,growth_value,joined_at\n"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def legacy_csv(count: int, tiers: list[str]) -> bytes:
    """A legacy cashier's export: `count` members, most with a card, two thirds with a
    balance expiring on some day of 2030, GB18030 like the old cashiers write it."""
    pick = random.Random(17)
    lines = [HEADER]
    for n in range(count):
        balance = pick.randrange(1, 5000) if n % 3 else 0
        lines.append(",".join((
            f"139{n:08d}", f"{SURNAMES[n % len(SURNAMES)]}{n}",
            f"LC{n:07d}" if n % 10 else "", str(balance) if balance else "",
            f"2030-{1 + n % 12:02d}-{1 + n % 28:02d}" if balance else "",
            tiers[n % len(tiers)] if n % 4 == 0 else "", str(pick.randrange(0, 20_000)),
            f"20{10 + n % 15}-{1 + n % 12:02d}-{1 + n % 28:02d}")) + "\n")
    return "".join(lines).encode("gb18030")


def _upload(token: str, raw: bytes, *, dry_run: bool) -> tuple[dict, float, float]:
    """POST the file to the import endpoint as the console sends it (multipart); the answer,
    wall-clock seconds and this process's CPU seconds (the machine's other load shows in the
    wall clock only)."""
    client = current_app.test_client()
    started, cpu = time.perf_counter(), time.process_time()
    answer = client.post(f"/api/v1/admin/imports/members?dry_run={str(dry_run).lower()}",
                         headers=_bearer(token), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(raw), "members.csv")})
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.session.remove()
    if answer.status_code != 200:
        raise RuntimeError(f"import answered {answer.status_code}: {answer.get_data()[:500]}")
    return answer.json, seconds, cpu


def _counts(merchant_id: int) -> dict:
    return {name: db.session.scalar(select(func.count()).select_from(model).where(
        model.merchant_id == merchant_id)) for name, model in (
        ("members", Member), ("keys", ImportKey), ("entries", LedgerEntry), ("lots", Lot))}


def import_100k(ctx) -> dict:
    """POST /admin/imports/members with a 100k-row GB18030 CSV: dry run, real run (timed),
    then the same file again (must change nothing)."""
    merchant, _ = seed.merchant()
    merchant_id, tiers = merchant.id, [t["code"] for t in merchant.rules["tiers"]]
    token = seed.owner_token(merchant_id)
    raw = legacy_csv(MEMBERS, tiers)
    dry, dry_seconds, _ = _upload(token, raw, dry_run=True)
    real, seconds, cpu = _upload(token, raw, dry_run=False)
    counts = _counts(merchant_id)
    again, again_seconds, _ = _upload(token, raw, dry_run=False)
    unchanged = counts == _counts(merchant_id)
    db.session.remove()
    check = (f"{_check_ledger()}; created {real['created']}, "
             + ", ".join(f"{v} {k}" for k, v in counts.items())
             + f"; re-import: updated {again['updated']}, "
             + ("nothing changed" if unchanged else "ROWS CHANGED"))
    return {"requests": real["rows"], "seconds": seconds, "rps": None, "p50_ms": None,
            "p99_ms": None, "errors": len(dry["errors"]) + len(real["errors"]), "check": check,
            "note": f"{len(raw) / 1e6:.1f} MB GB18030; Python CPU {cpu:.1f} s of the real "
                    f"run; dry run {dry_seconds:.1f} s, re-import {again_seconds:.1f} s; "
                    f"load average {os.getloadavg()[0]:.1f}"}


PURCHASES = """
INSERT INTO pos_orders (merchant_id, order_no, member_id, amount_fen, refunded_fen,
                        points_earned, points_clawed, balance_after, paid_at, created_at)
SELECT :m, 'rfm-' || m.id || '-' || k, m.id, 500 + (m.id * 7919 + k * 104729) % 90000,
       0, 0, 0, 0, now() - ((m.id * 31 + k * 17) % 400) * interval '1 day', now()
FROM members m CROSS JOIN generate_series(1, 1 + m.id % 5) AS k
WHERE m.merchant_id = :m
"""


def rfm_100k(ctx) -> dict:
    """`flask members score` for a merchant of 100k members with 1–5 POS orders each."""
    merchant, _ = seed.merchant()
    seed.members(merchant.id, MEMBERS)
    orders = db.session.execute(text(PURCHASES), {"m": merchant.id}).rowcount
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    started = time.perf_counter()
    result = rfm.score(merchant.id)
    seconds = time.perf_counter() - started
    segments = db.session.execute(text(
        "SELECT count(DISTINCT segment) FROM crm_rfm_scores WHERE merchant_id = :m"),
        {"m": merchant.id}).scalar()
    db.session.remove()
    return {"requests": result["scored"], "seconds": seconds, "rps": None, "p50_ms": None,
            "p99_ms": None, "errors": 0,
            "check": f"{_check_ledger()}; {result['scored']} members scored in {segments} "
                     f"segments",
            "note": f"{orders} POS orders; load average {os.getloadavg()[0]:.1f}"}

