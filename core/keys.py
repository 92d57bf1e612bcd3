"""Every Redis key is built here: merchant-scoped and hash-tagged for Redis Cluster.

The `{m<id>}` hash tag puts all of one merchant's keys in one cluster slot, so Lua
scripts may touch several of them atomically.
"""

from datetime import date


def _tag(merchant_id: int) -> str:
    return f"{{m{int(merchant_id)}}}"


def token_denied(merchant_id: int, jti: str) -> str:
    return f"{_tag(merchant_id)}:jwt:deny:{jti}"


def token_family_denied(merchant_id: int, family: str) -> str:
    return f"{_tag(merchant_id)}:jwt:deny-family:{family}"


def token_subject_denied(merchant_id: int, kind: str, subject_id: int | str) -> str:
    return f"{_tag(merchant_id)}:jwt:deny-subject:{kind}:{subject_id}"


def login_failures(merchant_id: int, username: str) -> str:
    return f"{_tag(merchant_id)}:login:fail:{username.lower()}"


def idempotency_lock(merchant_id: int, scope: str, key: str) -> str:
    return f"{_tag(merchant_id)}:idem:{scope}:{key}"


def pos_nonce(merchant_id: int, nonce: str) -> str:
    return f"{_tag(merchant_id)}:pos:nonce:{nonce}"


def wechat_access_token(merchant_id: int) -> str:
    return f"{_tag(merchant_id)}:wechat:access-token"


def rate_limit(merchant_id: int, endpoint: str, who: str) -> str:
    return f"{_tag(merchant_id)}:rl:{endpoint}:{who}"


def checkin_day(merchant_id: int, member_id: int, day: date) -> str:
    return f"{_tag(merchant_id)}:checkin:{member_id}:{day.isoformat()}"


def referral_leaderboard(merchant_id: int) -> str:
    return f"{_tag(merchant_id)}:referrals:leaderboard"


def mall_item(merchant_id: int, item_id: int) -> str:
    return f"{_tag(merchant_id)}:mall:item:{int(item_id)}"


def mall_holds(merchant_id: int, item_id: int) -> str:
    return f"{_tag(merchant_id)}:mall:holds:{int(item_id)}"


def mall_quota(merchant_id: int, item_id: int, member_id: int) -> str:
    return f"{_tag(merchant_id)}:mall:quota:{int(item_id)}:{int(member_id)}"


def mall_flash_stream(merchant_id: int) -> str:
    return f"{_tag(merchant_id)}:mall:flash"


def mall_flash_ticket(merchant_id: int, ticket: str) -> str:
    return f"{_tag(merchant_id)}:mall:ticket:{ticket}"


def pay_code_failures(merchant_id: int, who: str) -> str:
    return f"{_tag(merchant_id)}:till:paycode-fail:{who}"


def lottery_stock(merchant_id: int, lottery_id: int) -> str:
    return f"{_tag(merchant_id)}:lottery:stock:{int(lottery_id)}"


def lottery_holds(merchant_id: int, lottery_id: int) -> str:
    return f"{_tag(merchant_id)}:lottery:holds:{int(lottery_id)}"


def contest_board(merchant_id: int, contest_id: int) -> str:
    return f"{_tag(merchant_id)}:contest:board:{int(contest_id)}"


def contest_entries(merchant_id: int, contest_id: int) -> str:
    return f"{_tag(merchant_id)}:contest:entries:{int(contest_id)}"


def analytics_closed(merchant_id: int, through: date, first: date, last: date) -> str:
    return (f"{_tag(merchant_id)}:analytics:closed:{through.isoformat()}:"
            f"{first.isoformat()}:{last.isoformat()}")
