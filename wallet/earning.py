"""Points for paying from the wallet at the counter, and their claw-back on refunds.

The part of a payment named by `wallet.earn_on_payment` earns like a POS purchase: the
earn rule, the member's best multiplier and growth value. "principal" (the default) is the
money the member actually paid in; a gift was never paid for. Both run inside the payment's
(or refund's) transaction after the wallet account is locked, so the lock order is
operation row → wallet account → points account → member row.
"""

import math

from core.clock import now
from core.models import Merchant
from loyalty import earning, ledger, members, rules, tiers
from wallet import settings
from wallet.models import Payment, PaymentRefund


def earning_base(rule: str, payment: Payment) -> int:
    """The fen of a payment that earn points under the rule."""
    return {"principal": payment.principal_fen, "all": payment.amount_fen}.get(rule, 0)


def claw_for(points_earned: int, amount_fen: int, refunded_fen: int, clawed: int) -> int:
    """Cumulative floor-proportional claw-back: a full refund takes back exactly all."""
    return max(0, math.floor(points_earned * refunded_fen / amount_fen) - clawed)


def credit(merchant: Merchant, payment: Payment) -> None:
    """Credit the payment's points once (the payment row is the once-only guarantee)."""
    base = earning_base(settings.of(merchant.id)["earn_on_payment"], payment)
    if base <= 0:
        return
    member = members.get(merchant.id, payment.member_id)
    points = rules.earn_points(base, merchant.rules["earning"]["points_per_yuan"],
                               earning.multiplier_for(merchant, member, now(), None))
    tiers.add_growth(member, base // 100, "purchase")
    if points > 0:
        ledger.post(merchant_id=merchant.id, member_id=payment.member_id, amount=points,
                    type="earn", reason="wallet_payment",
                    ref=ledger.Ref("wallet_payment", payment.payment_no),
                    idempotency_key=f"wallet-pay:{merchant.id}:{payment.payment_no}")
    payment.points_earned = points


def claw_back(payment: Payment, refund: PaymentRefund) -> None:
    """Take back the refunded share of the payment's points; what is spent becomes debt."""
    claw = claw_for(payment.points_earned, payment.amount_fen, payment.refunded_fen,
                    payment.points_clawed)
    if claw > 0:
        ledger.post(merchant_id=payment.merchant_id, member_id=payment.member_id,
                    amount=-claw, type="clawback", reason="wallet_payment_refund",
                    ref=ledger.Ref("wallet_payment_refund", refund.refund_no),
                    idempotency_key=f"wallet-refund:{payment.merchant_id}:{refund.refund_no}",
                    on_shortfall="debt")
    payment.points_clawed += claw
    refund.points_clawed = claw
