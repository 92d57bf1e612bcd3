#!/usr/bin/env bash
# Set up and run the whole suite against PostgreSQL and SQLite (real Redis, headless
# Chromium for the browser tests in tests/console), plus ruff.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/9}"
PG_URL="${TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"
CLUSTER_PORT="${TEST_REDIS_CLUSTER_PORT:-7100}"  # a 3-master cluster on this port and the next two
# The tests that touch Redis (stock, holds, check-in claims, throttles, the token denylist,
# POS nonces, idempotency locks, leaderboards, flash-sale streams), run once more against a
# Redis Cluster.
REDIS_TESTS=(tests/core/test_redis_cluster.py tests/mall/test_stock.py tests/mall/test_orders.py
             tests/engagement/test_checkin.py tests/engagement/test_rate_limits.py
             tests/engagement/test_referrals.py tests/auth/test_staff_auth.py
             tests/loyalty/test_pos.py tests/core/test_idempotency.py tests/auth/test_token_family.py
             tests/till/test_paycodes.py tests/games/test_lottery.py
             tests/mall/test_flash.py)

setup_venv
ensure_redis "$TEST_REDIS_URL"
ensure_postgres "$PG_URL"
ensure_chromium
if [ "$#" -eq 0 ]; then ensure_redis_cluster "$CLUSTER_PORT"; fi
"$VENV/bin/ruff" check .

# Two lanes at once (the suite is single-threaded and the machine has two cores): PostgreSQL,
# and SQLite followed by the Redis Cluster stage (on a database of its own). Each lane
# has its own Redis database; the logs are printed lane by lane when both are done.
LOGS="$(mktemp -d)"
pg_lane() {
    echo "== PostgreSQL =="
    TEST_DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -q -p no:cacheprovider "$@"
}
sqlite_lane() {
    echo "== SQLite =="
    TEST_DATABASE_URL="" TEST_REDIS_URL="${TEST_REDIS_URL%/*}/8" \
        "$VENV/bin/pytest" -q -p no:cacheprovider "$@" || return 1
    [ "$#" -eq 0 ] || return 0
    echo "== PostgreSQL + Redis Cluster (the Redis-touching tests) =="
    TEST_DATABASE_URL="$CLUSTER_PG_URL" TEST_REDIS_URL="redis+cluster://127.0.0.1:$CLUSTER_PORT" \
        "$VENV/bin/pytest" -q -p no:cacheprovider "${REDIS_TESTS[@]}"
}
CLUSTER_PG_URL="${PG_URL%/*}/${PG_URL##*/}_cluster"
if [ "$#" -eq 0 ]; then ensure_postgres "$CLUSTER_PG_URL"; fi
pg_lane "$@" >"$LOGS/pg.log" 2>&1 & pg=$!
sqlite_lane "$@" >"$LOGS/sqlite.log" 2>&1 & sqlite=$!
status=0
wait "$pg" || status=1
wait "$sqlite" || status=1
cat "$LOGS/pg.log" "$LOGS/sqlite.log"
exit "$status"
