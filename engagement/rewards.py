"""Every engagement reward goes through here: a ledger credit plus growth value."""

from loyalty import ledger, tiers
from loyalty.models import LedgerEntry, Member


def may_earn(member: Member) -> bool:
    """Frozen and anonymised members earn nothing."""
    return member.status == "active" and member.anonymized_at is None


def credit(member: Member, points: int, *, reason: str, ref: ledger.Ref, key: str,
           operator_id: int | None = None) -> LedgerEntry | None:
    """Credit `points` once per `key` (None when there is nothing to credit)."""
    if points <= 0:
        return None
    entry = ledger.post(merchant_id=member.merchant_id, member_id=member.id, amount=points,
                        type="earn", reason=reason, ref=ref, idempotency_key=key,
                        operator_id=operator_id)
    tiers.add_growth(member, points, reason)
    return entry
