# Shared steps of run.sh and test.sh: a virtual environment and reachable services.
# Installs Debian packages only when a service does not answer (needs root or sudo).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

setup_venv() {
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip >/dev/null
    "$PY" -m pip install -q -e "$ROOT[test]"
}

redis_answers() { "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()" "$1" 2>/dev/null; }

ensure_redis() {  # $1 = redis URL
    redis_answers "$1" && return 0
    command -v redis-server >/dev/null || apt_install redis-server
    local port; port="$("$PY" -c "import sys,urllib.parse as u; print(u.urlparse(sys.argv[1]).port or 6379)" "$1")"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --dir /tmp --logfile "/tmp/jifen-redis-$port.log"
    for _ in $(seq 50); do redis_answers "$1" && return 0; sleep 0.1; done
    echo "Redis did not start at $1" >&2; return 1
}

pg_answers() { "$PY" -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=2).close()" "$1" 2>/dev/null; }

ensure_postgres() {  # $1 = postgresql URL of the test database (trust auth on 127.0.0.1)
    local url="$1" admin="${1%/*}/postgres"
    pg_answers "$url" && return 0
    if ! pg_answers "$admin"; then
        command -v pg_ctlcluster >/dev/null || apt_install postgresql
        local version; version="$(ls /etc/postgresql | sort -V | tail -1)"
        local hba="/etc/postgresql/$version/main/pg_hba.conf"
        grep -q "jifen-tests" "$hba" || as_root sed -i \
            '1i host all all 127.0.0.1/32 trust # jifen-tests\nhost all all ::1/128 trust # jifen-tests' "$hba"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || \
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
        for _ in $(seq 50); do pg_answers "$admin" && break; sleep 0.2; done
    fi
    "$PY" - "$admin" "${url##*/}" <<'PYEOF'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[2],)).fetchone():
        conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PYEOF
    pg_answers "$url"
}

ensure_chromium() {  # Debian's Chromium and a CJK font for the browser tests and screenshots
    [ -x /usr/bin/chromium ] && [ -n "$(fc-list :lang=zh)" ] && return 0
    apt_install chromium fonts-wqy-microhei  # never `playwright install`: no browser download
}

cluster_answers() {  # $1 = first port: the cluster answers and covers every slot
    redis-cli -p "$1" cluster info 2>/dev/null | grep -q "cluster_state:ok"
}

ensure_redis_cluster() {  # $1 = first of three loopback ports: a 3-master Redis Cluster, kept up
    local first="$1" port ports=()
    cluster_answers "$first" && return 0
    command -v redis-server >/dev/null || apt_install redis-server
    for port in "$first" $((first + 1)) $((first + 2)); do
        ports+=("127.0.0.1:$port")
        if redis-cli -p "$port" ping >/dev/null 2>&1; then  # left from a broken cluster: empty it
            redis-cli -p "$port" flushall >/dev/null && redis-cli -p "$port" cluster reset hard >/dev/null
            continue
        fi
        mkdir -p "/tmp/jifen-redis-cluster/$port"
        rm -f "/tmp/jifen-redis-cluster/$port/nodes.conf"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
            --cluster-config-file nodes.conf --cluster-node-timeout 2000 --save "" \
            --appendonly no --dir "/tmp/jifen-redis-cluster/$port" \
            --logfile "/tmp/jifen-redis-cluster/$port/redis.log"
        for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create "${ports[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
    for _ in $(seq 100); do cluster_answers "$first" && return 0; sleep 0.1; done
    echo "Redis Cluster did not form on ports $first-$((first + 2))" >&2; return 1
}
