"""The counter's hooks into POS earning and refunds (loyalty/earning.py calls these).

Each is one call from the shared flow; they run inside its transaction and never commit,
except the walk-in paths, which replace the member flow and own their transaction.
"""

from core.errors import NotFound
from core.models import Merchant
from till import pending, redemptions, walkin


def walk_in_purchase(merchant: Merchant, **order) -> dict | None:
    """The answer for a walk-in (unknown phone) purchase, or None for a member's."""
    return walkin.purchase(merchant, **order)


def on_order(merchant: Merchant, order, *, redemption_no: str | None) -> None:
    """Tie the bill's redemption to its order (the points part of the bill)."""
    if redemption_no:
        redemptions.tie_to_order(merchant.id, redemption_no, order_id=order.id,
                                 member_id=order.member_id)


def hold_pending(merchant: Merchant, member_id: int, order_no: str, points: int) -> bool:
    """Hold a purchase's points in the return window; False when there is none."""
    return pending.hold(merchant, member_id=member_id, order_no=order_no, points=points)


def order_extras(order) -> dict:
    """Fields the second wave adds to a POS order's answer."""
    return {"pending_points": pending.of_order(order.merchant_id, order.order_no),
            "held_for_phone": False}


def on_refund(merchant: Merchant, order, *, refund_no: str, refunded_fen: int,
              claw: int) -> int:
    """Give back the redemption's share and cancel pending points first; how many cancelled."""
    # Lock order: pending row, redemption row, then the account.
    cancelled = pending.cancel(merchant.id, order.order_no, claw) if claw > 0 else 0
    redemptions.return_on_refund(merchant.id, order_id=order.id, refund_no=refund_no,
                                 cash_fen=order.amount_fen, refunded_fen=refunded_fen)
    return cancelled


def points_returned(merchant_id: int, refund_no: str) -> int:
    """Points a refund gave back to its member from the bill's redemption."""
    return redemptions.returned_by(merchant_id, refund_no)


def walk_in_refund(merchant: Merchant, **refund) -> dict:
    """A refund of a walk-in order; NOT_FOUND when the order_no is nobody's."""
    answer = walkin.refund(merchant, **refund)
    if answer is None:
        raise NotFound("Unknown order_no.")
    return answer
