#!/usr/bin/env bash
# Starts the local stack on 127.0.0.1: Apache Kafka 3.9.1 (one KRaft node, broker + controller),
# PostgreSQL (the system's, a cluster of our own) and FerretDB on it (MongoDB wire protocol).
# Idempotent: a server that already runs and answers is left alone, and what is missing is started,
# PostgreSQL before FerretDB. The first run fetches Kafka from Maven Central and builds FerretDB from
# the Go module proxy; later runs use the cache. Progress goes to stderr; stdout gets only the
# endpoints, as KEY=value lines:  set -a; eval "$(bash infra/local/up.sh)"; set +a
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need node "install Node.js 20+ (it runs the readiness probes)"
take_lock
mkdir -p "$LOG_DIR" "$CACHE_DIR"
started_at=$SECONDS

# ---------------------------------------------------------------------------------------- Kafka

KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION-$(hash_of "$INFRA_DIR/kafka/pom.xml")"

install_kafka() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  need mvn "install Maven 3.6+ (e.g. apt-get install maven); it fetches Kafka from Maven Central"
  say "fetching Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central (first run only)"
  local log="$LOG_DIR/kafka-install.log"
  rm -rf "$KAFKA_LIBS"
  if ! mvn -B -q -f "$INFRA_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    die "Maven could not fetch Kafka (full log: $log)"
  fi
  [[ -n "$(compgen -G "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar")" ]] || die "Maven ran but $KAFKA_LIBS has no Kafka jar (log: $log)"
  touch "$KAFKA_LIBS/.complete"
  # Classpaths of earlier pom.xml versions are of no further use (Kafka is not running: we start it).
  find "$CACHE_DIR" -maxdepth 1 -name 'kafka-*' ! -path "$KAFKA_LIBS" -exec rm -rf {} + 2>/dev/null || true
}

kafka_java() {
  java -Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" -Djava.awt.headless=true \
    -cp "$KAFKA_LIBS/*" "$@"
}

# adopt_own NAME LABEL TIMEOUT CHECK LOG: true when our own NAME already runs (waiting for it to answer).
adopt_own() {
  local name=$1 label=$2 timeout=$3 check=$4 log=$5 pid
  pid=$(running_pid "$name") || return 1
  if ! $check; then
    say "$label (pid $pid) runs but does not answer yet; waiting"
    wait_ready "$name" "$pid" "$timeout" "$check" "$log"
  fi
  say "$label already running (pid $pid)"
}

# ensure_kafka_tls DIR: a local certificate authority and the broker's certificate for 127.0.0.1 and
# localhost (PEM, key unencrypted, as Kafka's PEM key store takes it), made once with openssl.
ensure_kafka_tls() {
  local dir=$1
  [[ -f "$dir/broker.pem" && -f "$dir/ca.crt" ]] && return 0
  need openssl "install openssl (e.g. apt-get install openssl); it makes the certificates of Kafka's TLS listener"
  mkdir -p "$dir"
  chmod 700 "$dir"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=notify local CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$dir/broker.key" -out "$dir/broker.csr" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/broker.ext" &&
      openssl x509 -req -in "$dir/broker.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 3650 -extfile "$dir/broker.ext" -out "$dir/broker.crt" &&
      openssl pkcs8 -topk8 -nocrypt -in "$dir/broker.key" -out "$dir/broker.pk8" &&
      cat "$dir/broker.pk8" "$dir/broker.crt" >"$dir/broker.pem"
  } >"$LOG_DIR/kafka-tls.log" 2>&1 || die "making Kafka's TLS certificates failed (log: $LOG_DIR/kafka-tls.log)"
}

# ensure_kafka_client_env DIR: the secured listener's user (its password made once) and what a client
# needs to reach it, in KAFKA_SECURE_CLIENT_ENV (tests and local runs read it).
ensure_kafka_client_env() {
  local dir=$1 password
  [[ -f "$KAFKA_SECURE_CLIENT_ENV" ]] && return 0
  password=$(node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))")
  (
    umask 077
    printf 'KAFKA_SECURE_BROKERS=127.0.0.1:%s\nKAFKA_SSL_CA_FILE=%s\nKAFKA_SASL_USERNAME=notify\nKAFKA_SASL_PASSWORD=%s\n' \
      "$KAFKA_SECURE_PORT" "$dir/ca.crt" "$password" >"$KAFKA_SECURE_CLIENT_ENV"
  )
}

# client_env_value NAME: one value of KAFKA_SECURE_CLIENT_ENV.
client_env_value() { sed -n "s/^$1=//p" "$KAFKA_SECURE_CLIENT_ENV"; }

# add_kafka_scram_credentials: the secured listener's user for SCRAM-SHA-256 and -512 (idempotent).
# KRaft keeps SCRAM credentials in its metadata, so they are added through the running broker, one
# mechanism per request.
add_kafka_scram_credentials() {
  local mechanism
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    kafka_java kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users \
      --entity-name "$(client_env_value KAFKA_SASL_USERNAME)" --add-config "$mechanism=[password=$(client_env_value KAFKA_SASL_PASSWORD)]" \
      >>"$LOG_DIR/kafka-scram.log" 2>&1 || die "adding Kafka's $mechanism credentials failed (log: $LOG_DIR/kafka-scram.log)"
  done
}

start_kafka() {
  local pid dir="$DATA_DIR/kafka" log="$LOG_DIR/kafka.log"
  adopt_own kafka Kafka "$KAFKA_START_TIMEOUT" kafka_ready "$log" && return 0
  if kafka_ready; then
    say "a Kafka broker not started by this script already answers on 127.0.0.1:$KAFKA_PORT; using it"
    return 0
  fi
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SECURE_PORT" "$KAFKA_PROXIED_PORT"; do
    port_free "$port" || die "127.0.0.1:$port is taken by another program (not a Kafka broker); stop it or choose other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT / KAFKA_SECURE_PORT / KAFKA_PROXIED_PORT"
  done
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless); it runs Kafka"
  install_kafka

  mkdir -p "$dir/data"
  ensure_kafka_tls "$dir/tls"
  ensure_kafka_client_env "$dir/tls"
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@LOG_DIRS@#$dir/data#g" \
    -e "s#@KAFKA_SECURE_PORT@#$KAFKA_SECURE_PORT#g" -e "s#@TLS_DIR@#$dir/tls#g" \
    -e "s#@KAFKA_PROXIED_PORT@#$KAFKA_PROXIED_PORT#g" -e "s#@KAFKA_PROXY_PORT@#$KAFKA_PROXY_PORT#g" \
    -e "s#@SASL_USERNAME@#$(client_env_value KAFKA_SASL_USERNAME)#g" -e "s#@SASL_PASSWORD@#$(client_env_value KAFKA_SASL_PASSWORD)#g" \
    "$INFRA_DIR/kafka/server.properties.template" >"$dir/server.properties"
  chmod 600 "$dir/server.properties"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    # A KRaft cluster id is a base64url UUID; the storage tool refuses one that starts with '-'.
    local cluster_id
    cluster_id=$(node -e "let id; do id = require('node:crypto').randomBytes(16).toString('base64url'); while (id.startsWith('-')); console.log(id)")
    say "formatting Kafka storage in $dir/data (cluster $cluster_id)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" --ignore-formatted \
      >"$LOG_DIR/kafka-format.log" 2>&1 || { cat "$LOG_DIR/kafka-format.log" >&2; die "formatting Kafka storage failed"; }
  fi
  # A broker killed with SIGKILL leaves its .lock files behind; they are OS file locks, released with the
  # process, so the next start simply re-acquires them (and recovers the logs that were not flushed).

  say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  echo "===== up.sh starts Kafka $(date '+%Y-%m-%d %H:%M:%S')" >>"$log"
  # shellcheck disable=SC2086 # KAFKA_HEAP holds several JVM flags
  nohup setsid java -server $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" -Djava.awt.headless=true \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" >>"$log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$RUN_DIR/kafka.pid"
  wait_ready kafka "$pid" "$KAFKA_START_TIMEOUT" kafka_ready "$log"
  add_kafka_scram_credentials
  say "Kafka is up (pid $pid; TLS with SASL on 127.0.0.1:$KAFKA_SECURE_PORT, client settings in $KAFKA_SECURE_CLIENT_ENV)"
}

# ---------------------------------------------------------------------------------------- PostgreSQL

# prepare_pg_dir: makes the cluster's directory, owned by PG_ACCOUNT. It is $DATA_DIR/postgres, unless
# the account cannot reach $DATA_DIR (run by root in a checkout under a private directory such as
# /root): then the cluster lives in that account's home and $DATA_DIR/postgres is a symlink to it.
prepare_pg_dir() {
  if [[ ! -L "$PG_LINK" && ! -e "$PG_LINK" ]] && ((EUID == 0)) && ! as_pg test -x "$DATA_DIR"; then
    local home
    home=$(getent passwd postgres | cut -d: -f6)
    [[ -n "$home" && -d "$home" ]] ||
      die "the postgres account cannot reach $DATA_DIR and has no home directory to keep the cluster in; set NOTIFY_DATA_DIR to a directory it can reach"
    PG_DIR="$home/notify-$(hash_of <(printf '%s' "$DATA_DIR"))"
    say "the postgres account cannot reach $DATA_DIR (a directory above it is closed to other users): the cluster lives in $PG_DIR, linked from $PG_LINK"
    mkdir -p "$PG_DIR"
    ln -sfn "$PG_DIR" "$PG_LINK"
  fi
  mkdir -p "$PG_DIR"
  if ((EUID == 0)); then
    as_pg test -x "$PG_DIR" ||
      die "the postgres account cannot reach $PG_DIR (a directory above it is closed to other users): open it (chmod o+x) or set NOTIFY_DATA_DIR elsewhere"
    if [[ "$(stat -c %U "$PG_DIR")" != postgres ]]; then chown -R postgres: "$PG_DIR"; fi
  fi
  chmod 700 "$PG_DIR"
}

# init_pg_cluster BINDIR: a new cluster in PG_DIR (UTF8, C locale, as FerretDB requires), unless one
# is there. A directory left by an interrupted initdb is emptied first.
init_pg_cluster() {
  local bindir=$1 version log="$LOG_DIR/postgres-init.log"
  version=$("$bindir/postgres" --version | grep -oE '[0-9]+' | head -n 1)
  if [[ -f "$PG_DIR/PG_VERSION" ]]; then
    [[ "$(cat "$PG_DIR/PG_VERSION")" == "$version" ]] ||
      die "$PG_DIR holds a PostgreSQL $(cat "$PG_DIR/PG_VERSION") cluster, but the server found is PostgreSQL $version ($bindir): delete it with infra/local/down.sh --clean"
    return 0
  fi
  find "$PG_DIR" -mindepth 1 -delete
  say "creating a PostgreSQL $version cluster in $PG_DIR"
  as_pg "$bindir/initdb" -D "$PG_DIR" -U postgres -E UTF8 --locale=C -A trust --no-instructions >"$log" 2>&1 ||
    { tail -n 30 "$log" >&2; die "initdb failed (full log: $log)"; }
}

# render_pg_config: our settings and access rules replace initdb's on every start.
render_pg_config() {
  sed -e "s#@PORT@#$POSTGRES_PORT#g" "$INFRA_DIR/postgres/postgresql.conf.template" >"$PG_DIR/postgresql.conf"
  cp "$INFRA_DIR/postgres/pg_hba.conf" "$PG_DIR/pg_hba.conf"
  if ((EUID == 0)); then chown postgres: "$PG_DIR/postgresql.conf" "$PG_DIR/pg_hba.conf"; fi
  chmod 600 "$PG_DIR/postgresql.conf" "$PG_DIR/pg_hba.conf"
}

# ensure_ferretdb_database BINDIR: FerretDB's role and database (it makes a schema per MongoDB
# database), and the lookup indexes of local/postgres/ferretdb-lookup-indexes.sql in it.
ensure_ferretdb_database() {
  local bindir=$1 log="$LOG_DIR/postgres-setup.log"
  pg_psql() { PGCONNECT_TIMEOUT=5 "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres "$@"; }
  pg_psql -d postgres >"$log" 2>&1 <<SQL || { cat "$log" >&2; die "could not create FerretDB's role and database in PostgreSQL"; }
SELECT 'CREATE ROLE $PG_ROLE LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE')\gexec
SELECT 'CREATE DATABASE $PG_DATABASE OWNER $PG_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE')\gexec
SQL
  pg_psql -d "$PG_DATABASE" -f "$INFRA_DIR/postgres/ferretdb-lookup-indexes.sql" >>"$log" 2>&1 ||
    { cat "$log" >&2; die "could not set up the lookup indexes in FerretDB's database"; }
}

# wait_postmaster_gone: a postmaster that was killed takes a moment to be gone (its children notice
# and exit, and its parent reaps it); PostgreSQL refuses to start while the pid in its lock file lives.
wait_postmaster_gone() {
  local pid deadline=$((SECONDS + 15))
  [[ -f "$PG_DIR/postmaster.pid" ]] || return 0
  pid=$(head -n 1 "$PG_DIR/postmaster.pid" | tr -dc '0-9')
  [[ -n "$pid" ]] || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
}

start_postgres() {
  local pid bindir log="$LOG_DIR/postgres.log"
  bindir=$(find_pg_bindir)
  if ! adopt_own postgres PostgreSQL "$POSTGRES_START_TIMEOUT" postgres_ready "$log"; then
    if postgres_ready || ! port_free "$POSTGRES_PORT"; then
      die "127.0.0.1:$POSTGRES_PORT is taken by another program (FerretDB needs a PostgreSQL cluster of its own there); stop it or choose another port with POSTGRES_PORT"
    fi
    need_pg_account
    prepare_pg_dir
    init_pg_cluster "$bindir"
    render_pg_config
    wait_postmaster_gone
    say "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT (as $PG_ACCOUNT)"
    echo "===== up.sh starts PostgreSQL $(date '+%Y-%m-%d %H:%M:%S')" >>"$log"
    (cd / && exec nohup setsid "${PG_AS[@]}" "$bindir/postgres" -D "$PG_DIR") >>"$log" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$RUN_DIR/postgres.pid"
    wait_ready postgres "$pid" "$POSTGRES_START_TIMEOUT" postgres_ready "$log"
    say "PostgreSQL is up (pid $pid)"
  fi
  ensure_ferretdb_database "$bindir"
}

# ---------------------------------------------------------------------------------------- FerretDB

FERRETDB_SRC="$INFRA_DIR/ferretdb"
# Only the PostgreSQL backend is compiled: leaving SQLite out skips building a C library translated to Go.
FERRETDB_TAGS=ferretdb_no_sqlite
# Our fixes to FerretDB's own sources (unified diffs against its module), applied when it is built.
FERRETDB_PATCHES=("$FERRETDB_SRC"/*.patch)
FERRETDB_BIN="$CACHE_DIR/ferretdb-$(hash_of "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$FERRETDB_SRC/main.go" \
  "${FERRETDB_PATCHES[@]}" <(echo "$FERRETDB_TAGS"))/ferretdb-local"
POSTGRES_URL="postgres://$PG_ROLE@127.0.0.1:$POSTGRES_PORT/$PG_DATABASE"

# ferretdb_workspace GO WORK: WORK/FerretDB, a copy of FerretDB's module with FERRETDB_PATCHES applied,
# and WORK/go.mod (with go.sum), ours with FerretDB replaced by that copy. (Go compiles the module
# cache's sources as they are: `go build -overlay` may not replace files there.)
ferretdb_workspace() {
  local go=$1 work=$2 module_dir patch_file
  module_dir=$(cd "$FERRETDB_SRC" && "$go" mod download -json github.com/FerretDB/FerretDB | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d "$module_dir" ]] || { echo "FerretDB's module directory not found" >&2; return 1; }
  rm -rf "$work"
  mkdir -p "$work"
  cp -R "$module_dir" "$work/FerretDB"
  chmod -R u+w "$work/FerretDB"
  for patch_file in "${FERRETDB_PATCHES[@]}"; do
    patch -p1 --forward --batch -d "$work/FerretDB" <"$patch_file" || { echo "$patch_file does not apply" >&2; return 1; }
  done
  cp "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$work/"
  echo "replace github.com/FerretDB/FerretDB => $work/FerretDB" >>"$work/go.mod"
}

install_ferretdb() {
  [[ -x "$FERRETDB_BIN" ]] && return 0
  local go log="$LOG_DIR/ferretdb-build.log" work="$CACHE_DIR/ferretdb-build"
  go=$(find_go)
  say "building FerretDB with the Go module proxy (first run only)"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  if ! { ferretdb_workspace "$go" "$work" && (cd "$FERRETDB_SRC" && CGO_ENABLED=0 "$go" build -mod=readonly -modfile="$work/go.mod" \
    -buildvcs=false -trimpath -tags "$FERRETDB_TAGS" -ldflags='-s -w' -o "$FERRETDB_BIN.tmp" .); } >"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    die "building FerretDB failed (full log: $log)"
  fi
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$work"
  # Binaries of earlier sources are of no further use (one that still runs keeps its open file).
  find "$CACHE_DIR" -maxdepth 1 -name 'ferretdb-*' ! -path "$(dirname "$FERRETDB_BIN")" -exec rm -rf {} + 2>/dev/null || true
}

# stop_sqlite_ferretdb: earlier versions of this script ran FerretDB on SQLite; such a server of ours
# gives way to the PostgreSQL one (its databases in $DATA_DIR/mongo are left alone).
stop_sqlite_ferretdb() {
  running_pid ferretdb-sqlite >/dev/null || return 0
  say "FerretDB on SQLite (started by an earlier version of this script) runs on 127.0.0.1:$MONGO_PORT; replacing it"
  stop ferretdb-sqlite
}

start_ferretdb() {
  local pid log="$LOG_DIR/ferretdb.log"
  adopt_own ferretdb FerretDB "$MONGO_START_TIMEOUT" mongo_ready "$log" && return 0
  port_free "$MONGO_PORT" || die "127.0.0.1:$MONGO_PORT is taken by another program (not a MongoDB-wire server); stop it or choose another port with MONGO_PORT"
  [[ -x "$FERRETDB_BIN" ]] || die "FerretDB is not built ($FERRETDB_BIN)"
  say "starting FerretDB on 127.0.0.1:$MONGO_PORT (storage: PostgreSQL on 127.0.0.1:$POSTGRES_PORT)"
  echo "===== up.sh starts FerretDB $(date '+%Y-%m-%d %H:%M:%S')" >>"$log"
  nohup setsid "$FERRETDB_BIN" -listen "127.0.0.1:$MONGO_PORT" -postgresql-url "$POSTGRES_URL" -instance "$DATA_DIR" \
    -log-level "$FERRETDB_LOG_LEVEL" >>"$log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$RUN_DIR/ferretdb.pid"
  wait_ready ferretdb "$pid" "$MONGO_START_TIMEOUT" mongo_ready "$log"
  say "FerretDB is up (pid $pid)"
}

# ---------------------------------------------------------------------------------------- main

# The MongoDB-wire port: our FerretDB runs ('ours'), another server answers there and is used as it
# is ('other': then PostgreSQL is not needed), or FerretDB is to be started ('start').
if running_pid ferretdb >/dev/null; then mongo_plan=ours
elif running_pid ferretdb-sqlite >/dev/null; then mongo_plan=start
elif mongo_ready; then mongo_plan=other
else mongo_plan=start
fi

# Every missing tool is named before anything starts.
if ! running_pid kafka >/dev/null && ! kafka_ready; then
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless); it runs Kafka"
  [[ -f "$KAFKA_LIBS/.complete" ]] || need mvn "install Maven 3.6+ (e.g. apt-get install maven); it fetches Kafka from Maven Central"
fi
need_build=false
if [[ "$mongo_plan" != other ]]; then
  missing=()
  find_pg_bindir >/dev/null 2>&1 || missing+=(postgresql)
  command -v patch >/dev/null 2>&1 || missing+=(patch)
  ((${#missing[@]} == 0)) || install_missing_packages "${missing[@]}"
  find_pg_bindir >/dev/null
  running_pid postgres >/dev/null || need_pg_account
  if [[ "$mongo_plan" == start && ! -x "$FERRETDB_BIN" ]]; then
    need_build=true
    find_go >/dev/null
    need patch "install patch (e.g. apt-get install patch); it applies our fixes to FerretDB's sources before building it"
  fi
fi

# On a first run, build FerretDB (CPU) while Maven fetches Kafka (network) and Kafka starts.
# (A FerretDB that already runs is left alone; a changed main.go/go.mod is built on its next start.)
build_pid=
if $need_build; then
  install_ferretdb 9>&- &
  build_pid=$!
fi
start_kafka
if [[ "$mongo_plan" == other ]]; then
  say "a MongoDB-wire server not started by this script already answers on 127.0.0.1:$MONGO_PORT; using it (PostgreSQL is not needed)"
else
  start_postgres
  if [[ -n "$build_pid" ]]; then
    wait "$build_pid" || die "building FerretDB failed (full log: $LOG_DIR/ferretdb-build.log)"
  fi
  stop_sqlite_ferretdb
  start_ferretdb
fi
if [[ -d "$DATA_DIR/mongo" ]]; then
  say "$DATA_DIR/mongo holds FerretDB's SQLite databases from an earlier version of this script; nothing uses them (down.sh --clean deletes them)"
fi

say "ready in $((SECONDS - started_at))s; data in $DATA_DIR, logs in $LOG_DIR"
echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/notify"
if [[ -f "$KAFKA_SECURE_CLIENT_ENV" ]]; then echo "KAFKA_SECURE_CLIENT_ENV=$KAFKA_SECURE_CLIENT_ENV"; fi
