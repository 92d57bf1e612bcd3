"""The one configuration object, read from the environment."""

import os
from datetime import timedelta

DEV_JWT_SECRET = "jifen-development-only-secret-change-me-0123456789"
WECHAT_API_BASE = "https://api.weixin.qq.com"


def database_url(raw: str) -> str:
    """The SQLAlchemy URL for DATABASE_URL (plain postgres URLs get the psycopg 3 driver)."""
    # psycopg 3 is our PostgreSQL driver; plain postgres URLs would pick psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def from_environment(env=None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    mode = env.get("JIFEN_ENV", "production")
    secret = env.get("JWT_SECRET_KEY")
    return {
        "JIFEN_ENV": mode,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL", "sqlite:///jifen.db")),
        "REDIS_URL": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "JWT_SECRET_KEY": secret or (DEV_JWT_SECRET if mode != "production" else None),
        "WECHAT_API_BASE": env.get("WECHAT_API_BASE", WECHAT_API_BASE).rstrip("/"),
        "WECHAT_TIMEOUT": (2.0, float(env.get("WECHAT_READ_TIMEOUT", "5"))),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ALGORITHM": "HS256",
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_FAILURE_WINDOW": 15 * 60,
        "POS_CLOCK_SKEW": 300,
        "PAYMENT_PROVIDER": env.get("PAYMENT_PROVIDER", "sandbox"),
        # key of the keyed hashes of pay codes and walk-in phones (default: JWT_SECRET_KEY)
        "HASH_KEY": env.get("HASH_KEY"),
        # Webhooks may target loopback/private addresses only when this is true (dev, tests).
        "WEBHOOK_ALLOW_PRIVATE": env.get("WEBHOOK_ALLOW_PRIVATE", "false").lower() == "true",
        # Reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto to believe; 0 =
        # none (a client could forge them and escape the per-IP rate limits).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # "count/second|minute|hour|day" per endpoint; "subject" = the logged-in member or staff.
        "RATE_LIMITS": {
            "engagement": {"subject": env.get("RATE_LIMIT_PER_MEMBER", "60/minute"),
                           "ip": env.get("RATE_LIMIT_PER_IP", "3000/minute")},
            "login": {"ip": env.get("RATE_LIMIT_LOGIN_PER_IP", "600/minute")},
            # invalid pay codes a POS key may present before it is refused (code guessing)
            "pay_code_failures": {
                "subject": env.get("RATE_LIMIT_PAY_CODE_FAILURES", "20/minute")},
        },
        # Request bodies above this are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_TITLE": "Jifen loyalty & points mall API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "api/v1/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "JSON_SORT_KEYS": False,
    }
