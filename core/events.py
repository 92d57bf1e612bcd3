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


def subscribe(event: str, handler: Callable) -> None:
    """Register a handler once (re-registering the same function is a no-op)."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def publish(event: str, **payload) -> None:
    """Call every handler of `event` now, in the caller's transaction."""
    for handler in _handlers[event]:
        handler(**payload)
