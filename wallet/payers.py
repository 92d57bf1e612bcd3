"""Who pays at the counter: the member of a pay code (used up in the caller's transaction),
or, for top-ups only, a member named by card number, phone or id."""

from collections.abc import Callable

from till import paycodes
from wallet import topups


def of(merchant_id: int, *, pay_code: str | None = None,
       member: dict | None = None) -> Callable[[], int]:
    """A callable the service runs inside its transaction; it returns the member's id."""
    if pay_code is not None:
        return lambda: paycodes.charge(merchant_id=merchant_id, code=pay_code)
    return lambda: topups.named_member(merchant_id, member)
