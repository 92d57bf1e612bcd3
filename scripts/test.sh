#!/usr/bin/env bash
# Set up and run the whole suite against PostgreSQL and SQLite (real Redis, headless
# Chromium for the browser tests in tests/console), plus ruff.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/9}"
PG_URL="${TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"
CLUSTER_PORT="${TEST_REDIS_CLUSTER_PORT:-7100}"  # a 3-master cluster on this port and the next two
# The tests that touch Redis (stock, holds, check-in claims, throttles, the token denylist,
# POS nonces, idempotency locks, leaderboards), run once more against a Redis Cluster.
REDIS_TESTS=(tests/core/test_redis_cluster.py tests/mall/test_stock.py tests/mall/test_orders.py
             tests/engagement/test_checkin.py tests/engagement/test_rate_limits.py
             tests/engagement/test_referrals.py tests/auth/test_staff_auth.py
             tests/loyalty/test_pos.py)

setup_venv
ensure_redis "$TEST_REDIS_URL"
ensure_postgres "$PG_URL"
ensure_chromium
if [ "$#" -eq 0 ]; then ensure_redis_cluster "$CLUSTER_PORT"; fi
"$VENV/bin/ruff" check .

echo "== PostgreSQL =="
TEST_DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -q "$@"
echo "== SQLite =="
TEST_DATABASE_URL="" "$VENV/bin/pytest" -q "$@"
if [ "$#" -eq 0 ]; then
    echo "== PostgreSQL + Redis Cluster (the Redis-touching tests) =="
    TEST_DATABASE_URL="$PG_URL" TEST_REDIS_URL="redis+cluster://127.0.0.1:$CLUSTER_PORT" \
        "$VENV/bin/pytest" -q "${REDIS_TESTS[@]}"
fi
