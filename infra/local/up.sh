#!/usr/bin/env bash
# Starts the local stack on 127.0.0.1: Apache Kafka 3.9.1 (one KRaft node, broker + controller) and
# FerretDB (MongoDB wire protocol, SQLite storage). Idempotent: a server that already runs and answers
# is left alone. The first run fetches Kafka from Maven Central and builds FerretDB from the Go module
# proxy; later runs use the cache. Progress goes to stderr; stdout gets only the endpoints, as
# KEY=value lines:  set -a; eval "$(bash infra/local/up.sh)"; set +a
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

start_kafka() {
  local pid dir="$DATA_DIR/kafka" log="$LOG_DIR/kafka.log"
  adopt_own kafka Kafka "$KAFKA_START_TIMEOUT" kafka_ready "$log" && return 0
  if kafka_ready; then
    say "a Kafka broker not started by this script already answers on 127.0.0.1:$KAFKA_PORT; using it"
    return 0
  fi
  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_free "$port" || die "127.0.0.1:$port is taken by another program (not a Kafka broker); stop it or choose other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT"
  done
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless); it runs Kafka"
  install_kafka

  mkdir -p "$dir/data"
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@LOG_DIRS@#$dir/data#g" \
    "$INFRA_DIR/kafka/server.properties.template" >"$dir/server.properties"
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
  say "Kafka is up (pid $pid)"
}

# ---------------------------------------------------------------------------------------- FerretDB

FERRETDB_SRC="$INFRA_DIR/ferretdb"
FERRETDB_BIN="$CACHE_DIR/ferretdb-$(hash_of "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$FERRETDB_SRC/main.go")/ferretdb-local"

install_ferretdb() {
  [[ -x "$FERRETDB_BIN" ]] && return 0
  local go log="$LOG_DIR/ferretdb-build.log"
  go=$(find_go)
  say "building FerretDB with the Go module proxy (first run only)"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  if ! (cd "$FERRETDB_SRC" && CGO_ENABLED=0 "$go" build -mod=readonly -buildvcs=false -trimpath -ldflags='-s -w' \
    -o "$FERRETDB_BIN.tmp" .) >"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    die "building FerretDB failed (full log: $log)"
  fi
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  # Binaries of earlier sources are of no further use (one that still runs keeps its open file).
  find "$CACHE_DIR" -maxdepth 1 -name 'ferretdb-*' ! -path "$(dirname "$FERRETDB_BIN")" -exec rm -rf {} + 2>/dev/null || true
}

start_ferretdb() {
  local pid log="$LOG_DIR/ferretdb.log"
  adopt_own ferretdb FerretDB "$MONGO_START_TIMEOUT" mongo_ready "$log" && return 0
  if mongo_ready; then
    say "a MongoDB-wire server not started by this script already answers on 127.0.0.1:$MONGO_PORT; using it"
    return 0
  fi
  port_free "$MONGO_PORT" || die "127.0.0.1:$MONGO_PORT is taken by another program (not a MongoDB-wire server); stop it or choose another port with MONGO_PORT"
  [[ -x "$FERRETDB_BIN" ]] || die "FerretDB is not built ($FERRETDB_BIN)"
  mkdir -p "$DATA_DIR/mongo"
  say "starting FerretDB on 127.0.0.1:$MONGO_PORT"
  echo "===== up.sh starts FerretDB $(date '+%Y-%m-%d %H:%M:%S')" >>"$log"
  nohup setsid "$FERRETDB_BIN" -listen "127.0.0.1:$MONGO_PORT" -data "$DATA_DIR/mongo" -log-level "$FERRETDB_LOG_LEVEL" \
    >>"$log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$RUN_DIR/ferretdb.pid"
  wait_ready ferretdb "$pid" "$MONGO_START_TIMEOUT" mongo_ready "$log"
  say "FerretDB is up (pid $pid)"
}

# ---------------------------------------------------------------------------------------- main

# Every missing tool is named before anything starts.
if ! running_pid kafka >/dev/null && ! kafka_ready; then
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless); it runs Kafka"
  [[ -f "$KAFKA_LIBS/.complete" ]] || need mvn "install Maven 3.6+ (e.g. apt-get install maven); it fetches Kafka from Maven Central"
fi
need_build=false
if [[ ! -x "$FERRETDB_BIN" ]] && ! running_pid ferretdb >/dev/null && ! mongo_ready; then
  need_build=true
  find_go >/dev/null
fi

# On a first run, build FerretDB (CPU) while Maven fetches Kafka (network) and Kafka starts.
# (A FerretDB that already runs is left alone; a changed main.go/go.mod is built on its next start.)
build_pid=
if $need_build; then
  install_ferretdb 9>&- &
  build_pid=$!
fi
start_kafka
if [[ -n "$build_pid" ]]; then
  wait "$build_pid" || die "building FerretDB failed (full log: $LOG_DIR/ferretdb-build.log)"
fi
start_ferretdb

say "ready in $((SECONDS - started_at))s; data in $DATA_DIR, logs in $LOG_DIR"
echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/notify"
