"""The till's rules (积分抵现): the pure arithmetic, and the rules as a merchant has them."""

from core.extensions import db
from core.models import Merchant
from loyalty.rules import DEFAULT_RULES


def till_rules(merchant_id: int) -> dict:
    """`till` rules of a merchant, each missing key from the defaults."""
    merchant = db.session.get(Merchant, merchant_id)
    return {**DEFAULT_RULES["till"], **(merchant.rules.get("till") or {})}


def section(merchant: Merchant, name: str) -> dict:
    """A rules section saved before this feature existed gets the defaults' keys."""
    return {**DEFAULT_RULES.get(name, {}), **(merchant.rules.get(name) or {})}


def max_points(*, balance: int, amount_fen: int, category: str | None, rules: dict) -> int:
    """The most points the bill may take: share cap and balance, down to a step, ≥ minimum."""
    if not rules["enabled"] or category in rules["excluded_categories"]:
        return 0
    by_share = amount_fen * rules["max_share_percent"] // 100 // rules["fen_per_point"]
    best = min(balance, by_share) // rules["step"] * rules["step"]
    return best if best >= rules["min_points"] else 0


def refusal(*, points: int, balance: int, amount_fen: int, category: str | None,
            rules: dict) -> str | None:
    """Why a redemption cannot go ahead (an error code), or None; short points win."""
    if points % rules["step"]:
        return "VALIDATION_ERROR"
    if points > balance:
        return "INSUFFICIENT_POINTS"
    if points > max_points(balance=points, amount_fen=amount_fen, category=category,
                           rules=rules):
        return "LIMIT_EXCEEDED"
    return None


def points_to_return(*, used: int, cash_fen: int, refunded_fen: int, returned: int) -> int:
    """Cumulative rounding: floor(share × used) minus what earlier refunds gave back."""
    if cash_fen <= 0:
        return used - returned
    return used * min(refunded_fen, cash_fen) // cash_fen - returned
