#!/usr/bin/env bash
# Set up and run the benchmarks (python -m benchmarks) against PostgreSQL and Redis with wrk.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/jifen_bench}"
export BENCH_REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}"

setup_venv
ensure_redis "$BENCH_REDIS_URL"
ensure_postgres "$BENCH_DATABASE_URL"
command -v wrk >/dev/null || apt_install wrk
"$PY" -m benchmarks "$@"
