"""The member behind a pay code, for counter sales.

MERGE POINT: the pay code is built on branch `counter` (`till/paycodes.py`). At merge,
`member_id_for` becomes one call: `return paycodes.peek(merchant_id=merchant_id, code=code)`
with `from till import paycodes`. Until then every pay code is refused as the contract says
for an unknown one: 401 PAY_CODE_INVALID.
"""

from core.errors import _error

PayCodeInvalid = _error(401, "PAY_CODE_INVALID", "This pay code is used, expired or unknown.")


def member_id_for(merchant_id: int, code: str) -> int:
    """The member id a live pay code stands for; 401 PAY_CODE_INVALID otherwise."""
    raise PayCodeInvalid(details={"merchant_id": merchant_id, "code_length": len(code)})
