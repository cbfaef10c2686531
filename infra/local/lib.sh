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
# The same broker over TLS with SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), as managed Kafka services require.
KAFKA_SECURE_PORT="${KAFKA_SECURE_PORT:-9094}"
# What a client needs for that listener (broker address, CA file, user and password), written by up.sh.
KAFKA_SECURE_CLIENT_ENV="$DATA_DIR/kafka/secure-client.env"
# A plain listener the broker advertises at another port, where nothing answers until a test puts a
# TCP proxy there: the test then cuts that proxy to give one client a broker outage while every other
# client keeps its broker.
KAFKA_PROXIED_PORT="${KAFKA_PROXIED_PORT:-9096}"
KAFKA_PROXY_PORT="${KAFKA_PROXY_PORT:-9095}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx512m}"
MONGO_PORT="${MONGO_PORT:-27017}"
# Not PostgreSQL's usual 5432: Debian's package starts a cluster of its own there.
POSTGRES_PORT="${POSTGRES_PORT:-15432}"
FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-error}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
MONGO_START_TIMEOUT="${MONGO_START_TIMEOUT:-60}"
POSTGRES_START_TIMEOUT="${POSTGRES_START_TIMEOUT:-60}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

for port_var in KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_SECURE_PORT KAFKA_PROXIED_PORT KAFKA_PROXY_PORT MONGO_PORT POSTGRES_PORT; do
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
    ferretdb) MARK_EXE=ferretdb-local MARK_ARGS="-instance $DATA_DIR " ;;
    # FerretDB on SQLite, as earlier versions of up.sh ran it: stopped on sight, never adopted.
    ferretdb-sqlite) MARK_EXE=ferretdb-local MARK_ARGS="-data $DATA_DIR/mongo " ;;
    postgres) MARK_EXE=postgres MARK_ARGS="-D $PG_DIR " ;;
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

# stop NAME [SIGNAL]: SIGTERM (or SIGNAL), up to STOP_TIMEOUT seconds for a clean shutdown, then SIGKILL.
stop() {
  local name=$1 signal=${2:-TERM} pid
  if ! pid=$(running_pid "$name"); then
    say "$name is not running"
    return 0
  fi
  say "stopping $name (pid $pid)"
  kill "-$signal" "$pid" 2>/dev/null || true
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
postgres_ready() { probe postgres "127.0.0.1:$POSTGRES_PORT" >/dev/null 2>&1; }

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

# ------------------------------------------------------------------ PostgreSQL (FerretDB's storage)

# The cluster lives in $DATA_DIR/postgres, or where that symlink points: see prepare_pg_dir in up.sh.
PG_LINK="$DATA_DIR/postgres"
PG_DIR="$PG_LINK"
if [[ -L "$PG_LINK" ]]; then PG_DIR=$(readlink -f "$PG_LINK"); fi
PG_DATABASE=ferretdb
PG_ROLE=ferretdb

# PostgreSQL refuses to run as root. Run by root, its programs run as the `postgres` account that
# Debian's package creates (setpriv execs, so a server started through it keeps its pid); run by
# anyone else, as that user. `--reset-env` keeps root's HOME and locale out of the server.
PG_ACCOUNT=$(id -un)
PG_AS=()
if ((EUID == 0)); then
  PG_ACCOUNT=postgres
  PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env)
fi

# as_pg COMMAND...: runs COMMAND as PG_ACCOUNT, from / (root's working directory may be closed to it).
as_pg() { (cd / && exec "${PG_AS[@]}" "$@"); }

# find_pg_bindir: prints the directory of initdb, postgres, pg_ctl and psql: pg_config's, else the
# newest /usr/lib/postgresql/*/bin (Debian's layout), else wherever `postgres` is on PATH.
find_pg_bindir() {
  local dir candidates=()
  if command -v pg_config >/dev/null 2>&1; then candidates+=("$(pg_config --bindir 2>/dev/null || true)"); fi
  if compgen -G '/usr/lib/postgresql/*/bin' >/dev/null; then
    mapfile -t -O "${#candidates[@]}" candidates < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4 -rn)
  fi
  if command -v postgres >/dev/null 2>&1; then candidates+=("$(dirname "$(readlink -f "$(command -v postgres)")")"); fi
  for dir in "${candidates[@]}"; do
    if [[ -n "$dir" && -x "$dir/postgres" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/psql" ]]; then
      echo "$dir"
      return 0
    fi
  done
  die "PostgreSQL's server programs (initdb, postgres, pg_ctl, psql) were not found: install PostgreSQL 15 (apt-get install postgresql)"
}

# install_missing_packages PACKAGE...: on a fresh Debian machine run as root, apt-get installs what
# is missing (PostgreSQL's server, patch), so a clean clone starts without steps done by hand.
install_missing_packages() {
  ((EUID == 0)) && command -v apt-get >/dev/null 2>&1 || return 0
  local log="$LOG_DIR/apt-get.log"
  mkdir -p "$LOG_DIR"
  say "installing $* with apt-get (first run on this machine only)"
  { DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } >"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; die "apt-get could not install $* (full log: $log)"; }
}

# need_pg_account: as root, the account and the tool that run PostgreSQL must exist.
need_pg_account() {
  ((EUID == 0)) || return 0
  need setpriv "install util-linux; as root, it runs PostgreSQL as the 'postgres' account"
  id -u postgres >/dev/null 2>&1 ||
    die "PostgreSQL refuses to run as root, and there is no 'postgres' account to run it: install PostgreSQL 15 (apt-get install postgresql), which creates it, or run this as an ordinary user"
}

# stop_postgres: a fast shutdown (`pg_ctl stop -m fast`: open sessions are ended, the data is
# checkpointed), then an immediate one if that takes longer than STOP_TIMEOUT seconds.
stop_postgres() {
  local pid bindir
  if ! pid=$(running_pid postgres); then
    say "postgres is not running"
    return 0
  fi
  if ! bindir=$(find_pg_bindir 2>/dev/null); then
    say "pg_ctl not found; stopping postgres (pid $pid) with SIGINT, its fast shutdown"
    stop postgres INT
    return 0
  fi
  say "stopping postgres (pid $pid)"
  if ! as_pg "$bindir/pg_ctl" stop -D "$PG_DIR" -m fast -t "$STOP_TIMEOUT" -s >&2; then
    say "postgres did not stop within ${STOP_TIMEOUT}s; stopping it in immediate mode"
    as_pg "$bindir/pg_ctl" stop -D "$PG_DIR" -m immediate -t 10 -s >&2 || true
    alive "$pid" && die "postgres (pid $pid) is still running"
  fi
  rm -f "$RUN_DIR/postgres.pid"
}
