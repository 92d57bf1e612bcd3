#!/usr/bin/env bash
# Set up and run the whole suite against PostgreSQL and SQLite (real Redis, headless
# Chromium for the browser tests in tests/console), plus ruff.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/9}"
PG_URL="${TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"

setup_venv
ensure_redis "$TEST_REDIS_URL"
ensure_postgres "$PG_URL"
ensure_chromium
"$VENV/bin/ruff" check .

echo "== PostgreSQL =="
TEST_DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -q "$@"
echo "== SQLite =="
TEST_DATABASE_URL="" "$VENV/bin/pytest" -q "$@"
