"""Pure arithmetic of the wallet: plans, payment splits, refund parts (no database).

Every split returns integers that add up exactly to the amount asked for; refunds of a
payment use cumulative rounding, so any sequence of partial refunds that adds up to the
payment returns exactly its principal and gift parts.
"""

from dataclasses import dataclass

SPEND_ORDERS = ("proportional", "gift_first", "principal_first")


@dataclass(frozen=True)
class Parts:
    principal_fen: int
    gift_fen: int

    @property
    def total(self) -> int:
        return self.principal_fen + self.gift_fen


def find_plan(plans: list[dict], code: str) -> dict | None:
    """The plan with this code, or None."""
    return next((plan for plan in plans if plan["code"] == code), None)


def topup_parts(amount_fen: int, plan: dict | None) -> tuple[int, int, int]:
    """(principal, gift, bonus points) of a top-up: the amount paid is all principal."""
    if plan is None:
        return amount_fen, 0, 0
    return amount_fen, plan["gift_fen"], plan["bonus_points"]


def split_payment(amount_fen: int, principal_fen: int, gift_fen: int, order: str) -> Parts:
    """Which parts pay `amount_fen`; the caller has checked amount ≤ principal + gift.

    Proportional: the gift part is rounded up (the member keeps the refundable principal),
    and the principal part is the rest, so nothing is lost and neither part overdraws.
    """
    total = principal_fen + gift_fen
    if amount_fen > total or amount_fen < 0:
        raise ValueError("amount exceeds the balance")
    if order == "gift_first":
        gift = min(gift_fen, amount_fen)
    elif order == "principal_first":
        gift = amount_fen - min(principal_fen, amount_fen)
    else:
        gift = -(-amount_fen * gift_fen // total) if total else 0
    return Parts(amount_fen - gift, gift)


def refund_split(paid: Parts, refunded_before: int, amount_fen: int,
                 given_back: Parts) -> Parts:
    """The parts of a payment refund: cumulative target minus what earlier refunds gave.

    After refunds totalling R of a payment of A, the principal given back is
    floor(P × R / A) and the gift is the rest, so a full refund returns exactly both parts.
    """
    refunded = refunded_before + amount_fen
    if refunded > paid.total or amount_fen <= 0:
        raise ValueError("refund exceeds the payment")
    principal_total = paid.principal_fen * refunded // paid.total
    principal = principal_total - given_back.principal_fen
    return Parts(principal, amount_fen - principal)


def topup_refund_parts(topup: Parts, wallet: Parts) -> Parts:
    """What a top-up refund takes: its principal and gift, never more than the wallet holds."""
    return Parts(min(topup.principal_fen, wallet.principal_fen),
                 min(topup.gift_fen, wallet.gift_fen))
