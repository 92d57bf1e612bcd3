"""Members as auth sees them: through the loyalty domain's public face (`loyalty.members`,
wired in by app.py), so that auth imports no domain and the domains may use auth's guards.

Auth needs two things of it: `get(merchant_id, member_id)` (NOT_FOUND outside the merchant)
for the member guards, and `login(merchant, openid, unionid=, referral_code=)` for WeChat.
"""

from flask import current_app

EXTENSION = "jifen.members"


def directory():
    """The members service the app was built with."""
    return current_app.extensions[EXTENSION]
