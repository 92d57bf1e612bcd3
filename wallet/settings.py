"""A merchant's wallet rules (the `wallet` section of the rules document)."""

from core.extensions import db
from core.models import Merchant
from loyalty.rules import DEFAULT_RULES


def of(merchant_id: int) -> dict:
    """The wallet section, defaults filled in for rules saved before it existed."""
    rules = db.session.get(Merchant, merchant_id).rules
    return {**DEFAULT_RULES["wallet"], **rules.get("wallet", {})}
