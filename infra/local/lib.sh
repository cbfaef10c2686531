# Shared by up.sh, down.sh and status.sh. Paths derive from this file, so the scripts work from any cwd.
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/../.." && pwd)"
DATA_DIR="${NOTIFY_DATA_DIR:-$REPO_ROOT/.data}"
CACHE_DIR="${NOTIFY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/notify-infra}"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"

KAFKA_VERSION=3.9.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
MONGO_PORT="${MONGO_PORT:-27017}"

KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_CLASSPATH="$KAFKA_LIBS/*"

say() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed; $2"
}

# pid_alive NAME: true when NAME's pid file names a live process.
pid_alive() {
  local file="$RUN_DIR/$1.pid"
  [[ -f "$file" ]] && kill -0 "$(cat "$file")" 2>/dev/null
}

probe() {
  node "$INFRA_DIR/probe.mjs" "$@" 2>/dev/null
}

kafka_ready() { probe kafka "127.0.0.1:$KAFKA_PORT" >/dev/null; }
mongo_ready() { probe mongo "mongodb://127.0.0.1:$MONGO_PORT" >/dev/null; }

# wait_until NAME TIMEOUT_S CHECK LOG: polls CHECK; on timeout prints the log's tail and fails.
wait_until() {
  local name=$1 timeout=$2 check=$3 log=$4 started=$SECONDS
  until $check; do
    if ! pid_alive "$name"; then
      tail -n 40 "$log" >&2 || true
      die "$name exited during start-up (log: $log)"
    fi
    if (( SECONDS - started > timeout )); then
      tail -n 40 "$log" >&2 || true
      die "$name did not answer within ${timeout}s (log: $log)"
    fi
    sleep 0.5
  done
}

# stop_pid NAME: SIGTERM, wait up to 20 s, then SIGKILL; removes the pid file.
stop_pid() {
  local name=$1 file="$RUN_DIR/$1.pid"
  if ! pid_alive "$name"; then
    rm -f "$file"
    return 0
  fi
  local pid; pid=$(cat "$file")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name did not stop in 20 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
