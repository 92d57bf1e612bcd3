"""`flask ledger verify`: balance = Σ entries = Σ live lots ≥ 0, and an unbroken chain.

Pending points (till.pending) live outside the ledger until released: 0 ≤ cancelled ≤
points, a pending row has no entry, a released one exactly its entry of points − cancelled.
"""

from sqlalchemy import text

from core.extensions import db
from loyalty import hooks

CHECK = text("""
WITH entry_sums AS (
    SELECT account_id, SUM(amount) AS total FROM ledger_entries GROUP BY account_id
), lot_sums AS (
    SELECT account_id, SUM(remaining) AS total FROM lots
    WHERE expired_at IS NULL GROUP BY account_id
), chain AS (
    SELECT account_id, amount, balance_after,
           LAG(balance_after, 1, 0) OVER (PARTITION BY account_id ORDER BY id) AS previous
    FROM ledger_entries
), breaks AS (
    SELECT account_id, COUNT(*) AS n FROM chain
    WHERE balance_after <> previous + amount GROUP BY account_id
)
SELECT a.id, a.member_id, a.balance, COALESCE(e.total, 0), COALESCE(l.total, 0),
       COALESCE(b.n, 0)
FROM points_accounts a
LEFT JOIN entry_sums e ON e.account_id = a.id
LEFT JOIN lot_sums l ON l.account_id = a.id
LEFT JOIN breaks b ON b.account_id = a.id
WHERE a.balance < 0 OR a.balance <> COALESCE(e.total, 0)
   OR a.balance <> COALESCE(l.total, 0) OR COALESCE(b.n, 0) > 0
""")


def failures() -> list[dict]:
    """Every account that breaks an invariant (empty when the ledger is sound)."""
    rows = db.session.execute(CHECK).all()
    return [{"account_id": r[0], "member_id": r[1], "balance": int(r[2]),
             "entries_sum": int(r[3]), "lots_sum": int(r[4]), "chain_breaks": int(r[5])}
            for r in rows] + hooks.pending.failures()
