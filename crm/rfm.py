"""RFM scoring (`flask members score`): set-based, one INSERT … SELECT per merchant.

Recency, frequency and monetary come from POS orders (net of refunds) and paid mall orders.
Each dimension is "high" when it beats the merchant's average (recency: fewer days since the
last purchase), which names the usual eight segments; 1–5 scores are the percentile fifths.
"""

from sqlalchemy import delete, select, text

from core.clock import now
from core.extensions import db
from core.models import Merchant
from crm.models import RfmScore

# (recency high, frequency high, monetary high) → segment
SEGMENTS = {
    (True, True, True): "重要价值客户", (True, False, True): "重要发展客户",
    (False, True, True): "重要保持客户", (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户", (True, False, False): "一般发展客户",
    (False, True, False): "一般保持客户", (False, False, False): "一般挽留客户",
}
NAMES = tuple(SEGMENTS.values())


def segment_for(recency_high: bool, frequency_high: bool, monetary_high: bool) -> str:
    """The named segment of one member (pure)."""
    return SEGMENTS[(recency_high, frequency_high, monetary_high)]


def _segment_case() -> str:
    parts = [f"WHEN {'' if r else 'NOT '}r_high AND {'' if f else 'NOT '}f_high "
             f"AND {'' if m else 'NOT '}m_high THEN '{name}'"
             for (r, f, m), name in SEGMENTS.items()]
    return "CASE " + " ".join(parts) + " END"


def _sql(dialect: str) -> str:
    days = ("FLOOR((:now_epoch - EXTRACT(EPOCH FROM last_at)) / 86400)"
            if dialect == "postgresql"
            else "(:now_epoch - CAST(strftime('%s', last_at) AS INTEGER)) / 86400")
    floor = "FLOOR" if dialect == "postgresql" else ""  # SQLite's CAST truncates already
    return f"""
INSERT INTO crm_rfm_scores (member_id, merchant_id, recency_days, frequency, monetary_fen,
                            r_score, f_score, m_score, segment, scored_at)
WITH purchases AS (
  SELECT member_id, paid_at AS at, amount_fen - refunded_fen AS fen
  FROM pos_orders WHERE merchant_id = :merchant_id
  UNION ALL
  SELECT member_id, paid_at, cash_fen FROM mall_orders
  WHERE merchant_id = :merchant_id AND paid_at IS NOT NULL
    AND status IN ('paid', 'shipped', 'completed')
), per_member AS (
  SELECT member_id, MAX(at) AS last_at, COUNT(*) AS frequency, SUM(fen) AS monetary
  FROM purchases GROUP BY member_id
), raw AS (
  SELECT member_id, frequency, monetary,
         CAST({days} AS BIGINT) AS recency_days
  FROM per_member
), scored AS (
  SELECT member_id, recency_days, frequency, monetary,
         recency_days < AVG(recency_days * 1.0) OVER () AS r_high,
         frequency > AVG(frequency * 1.0) OVER () AS f_high,
         monetary > AVG(monetary * 1.0) OVER () AS m_high,
         CAST({floor}(PERCENT_RANK() OVER (ORDER BY recency_days DESC) * 4.999) AS INT) + 1 AS r,
         CAST({floor}(PERCENT_RANK() OVER (ORDER BY frequency) * 4.999) AS INTEGER) + 1 AS f,
         CAST({floor}(PERCENT_RANK() OVER (ORDER BY monetary) * 4.999) AS INTEGER) + 1 AS m
  FROM raw
)
SELECT member_id, :merchant_id, recency_days, frequency, monetary, r, f, m,
       {_segment_case()}, :scored_at
FROM scored
"""


def score(merchant_id: int) -> dict:
    """Recompute one merchant's scores (replaces the previous run's)."""
    moment = now()
    if db.engine.dialect.name == "postgresql":
        # three rankings sort every scored member: in memory, not spilled to disk (4 MB default)
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    db.session.execute(delete(RfmScore).where(RfmScore.merchant_id == merchant_id))
    db.session.execute(text(_sql(db.engine.dialect.name)), {
        "merchant_id": merchant_id, "now_epoch": int(moment.timestamp()),
        "scored_at": moment if db.engine.dialect.name == "postgresql"
        else moment.replace(tzinfo=None)})
    scored = db.session.scalar(select(db.func.count()).select_from(RfmScore).where(
        RfmScore.merchant_id == merchant_id))
    db.session.commit()
    return {"merchant_id": merchant_id, "scored": scored}


def score_all() -> dict:
    """Every merchant, one transaction each."""
    ids = db.session.scalars(select(Merchant.id).order_by(Merchant.id)).all()
    return {"merchants": [score(merchant_id) for merchant_id in ids]}


def of(merchant_id: int, member_id: int) -> dict | None:
    """A member's latest RFM scores and segment, or None before a purchase is scored."""
    row = db.session.get(RfmScore, member_id)
    if row is None or row.merchant_id != merchant_id:
        return None
    return {"segment": row.segment, "r": row.r_score, "f": row.f_score, "m": row.m_score,
            "recency_days": row.recency_days, "frequency": row.frequency,
            "monetary_fen": row.monetary_fen, "scored_at": row.scored_at}
