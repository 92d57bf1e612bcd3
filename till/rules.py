"""The till's rules as the merchant has them, with defaults for documents saved before them."""

from core.extensions import db
from core.models import Merchant
from loyalty.rules import DEFAULT_RULES


def till_rules(merchant_id: int) -> dict:
    """`till` rules of a merchant, each missing key from the defaults."""
    merchant = db.session.get(Merchant, merchant_id)
    return {**DEFAULT_RULES["till"], **(merchant.rules.get("till") or {})}
