"""In-process domain events, handled inside the publisher's transaction.

Handlers must be idempotent (they run again if the same fact is published twice):
the referral rewards, for example, post ledger entries with unique idempotency keys.
"""

from collections import defaultdict
from collections.abc import Callable

_handlers: dict[str, list[Callable]] = defaultdict(list)

FIRST_PURCHASE = "member.first_qualifying_purchase"
FIRST_MALL_ORDER = "member.first_paid_mall_order"
# Facts webhooks announce (crm.webhooks subscribes); published with one line at each source.
POINTS_CHANGED = "points.changed"
ORDER_PAID = "order.paid"
TIER_CHANGED = "tier.changed"
MEMBER_JOINED = "member.joined"
WALLET_CHANGED = "wallet.changed"
# A member verified a phone through WeChat (till): an imported member on it is joined (crm).
PHONE_VERIFIED = "member.phone_verified"
# Hooks of lower packages into higher ones (payload merchant=, order= / order=).
POS_ORDER_CREDITED = "pos.order_credited"  # loyalty credited a POS order (care: follow-ups)
MALL_ORDER_PAID = "mall.order_paid"  # a mall order was paid (care: issue its packages)
MALL_ORDER_VOIDED = "mall.order_voided"  # cancelled or refunded (care: void them, or refuse)


def subscribe(event: str, handler: Callable) -> None:
    """Register a handler once (re-registering the same function is a no-op)."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **payload) -> None:
    """Call every handler of `event` now, in the caller's transaction."""
    for handler in _handlers[event]:
        handler(**payload)
