#!/usr/bin/env bash
# Set up and run Jifen with demo data: SQLite + a local Redis, the fake WeChat and gunicorn.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export JIFEN_ENV="${JIFEN_ENV:-development}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export PORT="${PORT:-8000}" WECHAT_PORT="${WECHAT_PORT:-8765}"
export WECHAT_API_BASE="${WECHAT_API_BASE:-http://127.0.0.1:$WECHAT_PORT}"

setup_venv
ensure_redis "$REDIS_URL"
"$VENV/bin/flask" db upgrade
logins="$("$VENV/bin/flask" demo seed --history 90)"

"$VENV/bin/flask" wechat-fake --port "$WECHAT_PORT" >/tmp/jifen-wechat-fake.log 2>&1 &
fake_pid=$!
# The flash-sale writer (秒杀排队): writes queued orders; SIGTERM lets it finish its batch.
"$VENV/bin/flask" mall writer --consumer "$(hostname)-run" >/tmp/jifen-flash-writer.log 2>&1 &
writer_pid=$!
trap 'kill $fake_pid $writer_pid 2>/dev/null' EXIT
# Logins in the first seconds would find nobody at the fake's port: wait until it listens.
for _ in $(seq 100); do
    "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" \
        "$WECHAT_PORT" 2>/dev/null && break
    sleep 0.1
done

cat <<INFO
Jifen is starting on http://127.0.0.1:$PORT
  Console       http://127.0.0.1:$PORT/console/
  H5 preview    http://127.0.0.1:$PORT/h5/
  API docs      http://127.0.0.1:$PORT/docs
  OpenAPI       http://127.0.0.1:$PORT/api/v1/openapi.json
  Health        http://127.0.0.1:$PORT/readyz
  Fake WeChat   $WECHAT_API_BASE
  Flash writer  pid $writer_pid, log /tmp/jifen-flash-writer.log
Demo logins:
$logins
INFO
"$VENV/bin/gunicorn" -c gunicorn.conf.py "app:create_app()"
