# shellcheck shell=bash
# Shared by up.sh, down.sh and status.sh (sourced, not run). Every path derives from this file's
# location, so the scripts work from any working directory.
# shellcheck disable=SC2034 # the variables below are used by the scripts that source this file
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/../.." && pwd)"

# Data and logs live in the repository's git-ignored .data/; downloads and builds are cached per user
# (outside the repository, so a fresh clone or `git clean` does not pay for them again).
DATA_DIR="${NOTIFY_DATA_DIR:-$REPO_ROOT/.data}"
CACHE_DIR="${NOTIFY_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/notify-infra}"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"

KAFKA_VERSION=3.9.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx512m}"
MONGO_PORT="${MONGO_PORT:-27017}"
FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-error}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
MONGO_START_TIMEOUT="${MONGO_START_TIMEOUT:-60}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

for port_var in KAFKA_PORT KAFKA_CONTROLLER_PORT MONGO_PORT; do
  [[ "${!port_var}" =~ ^[0-9]+$ ]] || die "$port_var must be a port number, not '${!port_var}'"
done
[[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

# need TOOL HINT: fails naming the tool when it is not on PATH.
need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed or not on PATH: $2"
}

# Go is often installed outside PATH (the official archive unpacks to /usr/local/go).
find_go() {
  if command -v go >/dev/null 2>&1; then command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go
  else die "'go' is not installed or not on PATH: install Go 1.24+ (https://go.dev/doc/install or apt-get install golang)"
  fi
}

# hash_of FILE...: a short content hash, the cache key of what those files produce.
hash_of() {
  if command -v sha256sum >/dev/null 2>&1; then cat "$@" | sha256sum | cut -c1-16
  else cat "$@" | shasum -a 256 | cut -c1-16
  fi
}

# ------------------------------------------------------------------ processes and pid files

# What identifies each server's process: its executable, and a command line that names this
# repository's data directory, so a recycled pid, or the same stack started from another checkout,
# is never taken for ours. marker_of NAME sets MARK_EXE and MARK_ARGS.
marker_of() {
  case $1 in
    kafka) MARK_EXE=java MARK_ARGS="kafka.Kafka $DATA_DIR/kafka/server.properties " ;;
    ferretdb) MARK_EXE=ferretdb-local MARK_ARGS="-data $DATA_DIR/mongo " ;;
    *) die "unknown service $1" ;;
  esac
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r /proc/$1/stat ]]; then
    local stat
    read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
    [[ "${stat##*) }" != Z* ]]
  fi
}

# ours NAME PID: PID is NAME started by up.sh for this data directory. Builtins only on Linux, as it
# runs for every process when a pid file is missing.
ours() {
  local cmdline exe args
  marker_of "$1"
  if [[ -r /proc/$2/cmdline ]]; then
    mapfile -t -d '' args <"/proc/$2/cmdline" 2>/dev/null || return 1
    ((${#args[@]} > 0)) || return 1
    exe=${args[0]} cmdline="${args[*]} "
  else
    cmdline="$(ps -o args= -p "$2" 2>/dev/null) " || return 1
    exe=${cmdline%% *}
  fi
  [[ "${exe##*/}" == "$MARK_EXE" && "$cmdline" == *"$MARK_ARGS"* ]]
}

# running_pid NAME: prints the pid of our running NAME and succeeds; clears a stale pid file
# (dead process, or a pid now used by something else) and fails otherwise.
running_pid() {
  local file="$RUN_DIR/$1.pid" pid
  if [[ -f "$file" ]]; then
    pid=$(tr -dc '0-9' <"$file")
    if [[ -n "$pid" ]] && alive "$pid" && ours "$1" "$pid"; then
      echo "$pid"
      return 0
    fi
    rm -f "$file"
  fi
  # No (valid) pid file: a server of ours may still run, e.g. if .data/run was deleted. Adopt it.
  if [[ -d /proc ]]; then
    local dir
    for dir in /proc/[0-9]*; do
      pid=${dir#/proc/}
      [[ "$pid" != "$$" ]] || continue
      if ours "$1" "$pid" && alive "$pid"; then
        mkdir -p "$RUN_DIR"
        echo "$pid" >"$file"
        echo "$pid"
        return 0
      fi
    done
  fi
  return 1
}

# stop NAME: SIGTERM, up to STOP_TIMEOUT seconds for a clean shutdown, then SIGKILL.
stop() {
  local name=$1 pid
  if ! pid=$(running_pid "$name"); then
    say "$name is not running"
    return 0
  fi
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then
    say "$name did not stop within ${STOP_TIMEOUT}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    alive "$pid" && die "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# One up.sh or down.sh at a time (e.g. two test runs starting together). The lock's file descriptor
# must not leak into the servers, or it would stay held for as long as they run: see `9>&-` in up.sh.
take_lock() {
  mkdir -p "$RUN_DIR"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$RUN_DIR/lock"
  flock -w 300 9 || die "another up.sh/down.sh has held $RUN_DIR/lock for 5 minutes"
}

# ------------------------------------------------------------------ readiness

# already_running NAME CHECK ENDPOINT: true (and says so) when the server answers, ours or not.
already_running() {
  local name=$1 check=$2 endpoint=$3
  $check || return 1
  if pid_alive "$name"; then say "$name already running at $endpoint (pid $(cat "$RUN_DIR/$name.pid"))"
  else say "something already answers $name's protocol at $endpoint; using it"; fi
}

probe() { node "$INFRA_DIR/probe.mjs" "$@"; }
kafka_ready() { probe kafka "127.0.0.1:$KAFKA_PORT" >/dev/null 2>&1; }
mongo_ready() { probe mongo "127.0.0.1:$MONGO_PORT" >/dev/null 2>&1; }

# port_free PORT: nothing accepts connections on 127.0.0.1:PORT (bash's /dev/tcp, no other tool).
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_ready NAME PID TIMEOUT_S CHECK LOG: polls CHECK until it passes; fails with the log's tail
# when the process exits or the time is up.
wait_ready() {
  local name=$1 pid=$2 timeout=$3 check=$4 log=$5 deadline=$((SECONDS + $3))
  until $check; do
    if ! alive "$pid"; then
      rm -f "$RUN_DIR/$name.pid"
      say "$name exited during start-up; last lines of $log:"
      tail -n 40 "$log" >&2 || true
      die "$name did not start (full log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      say "$name did not answer within ${timeout}s; last lines of $log:"
      tail -n 40 "$log" >&2 || true
      die "$name is running (pid $pid) but not answering; see $log, or stop it with infra/local/down.sh"
    fi
    sleep 0.5
  done
}
