"""`flask wallet verify`: principal and gift = Σ entries ≥ 0, and an unbroken chain."""

from sqlalchemy import text

from core.extensions import db

CHECK = text("""
WITH sums AS (
    SELECT account_id, SUM(principal_fen) AS principal, SUM(gift_fen) AS gift
    FROM wallet_entries GROUP BY account_id
), chain AS (
    SELECT account_id, principal_fen, gift_fen, principal_after, gift_after,
           LAG(principal_after, 1, 0) OVER (PARTITION BY account_id ORDER BY id) AS p_before,
           LAG(gift_after, 1, 0) OVER (PARTITION BY account_id ORDER BY id) AS g_before
    FROM wallet_entries
), breaks AS (
    SELECT account_id, COUNT(*) AS n FROM chain
    WHERE principal_after <> p_before + principal_fen OR gift_after <> g_before + gift_fen
       OR principal_after < 0 OR gift_after < 0
    GROUP BY account_id
)
SELECT a.id, a.member_id, a.principal_fen, a.gift_fen, COALESCE(s.principal, 0),
       COALESCE(s.gift, 0), COALESCE(b.n, 0)
FROM wallet_accounts a
LEFT JOIN sums s ON s.account_id = a.id
LEFT JOIN breaks b ON b.account_id = a.id
WHERE a.principal_fen < 0 OR a.gift_fen < 0
   OR a.principal_fen <> COALESCE(s.principal, 0) OR a.gift_fen <> COALESCE(s.gift, 0)
   OR COALESCE(b.n, 0) > 0
""")


def failures() -> list[dict]:
    """Every wallet that breaks an invariant (empty when the wallet ledger is sound)."""
    return [{"account_id": r[0], "member_id": r[1], "principal_fen": int(r[2]),
             "gift_fen": int(r[3]), "entries_principal": int(r[4]),
             "entries_gift": int(r[5]), "chain_breaks": int(r[6])}
            for r in db.session.execute(CHECK).all()]
