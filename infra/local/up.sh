#!/usr/bin/env bash
# Starts the real local stack: Apache Kafka (single KRaft node) and FerretDB (MongoDB wire protocol,
# SQLite storage), both on 127.0.0.1. Idempotent: what already runs is left running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need node "install Node.js 20+"
[[ -d "$REPO_ROOT/node_modules/kafkajs" ]] || die "node modules are missing; run 'npm ci' first"
mkdir -p "$RUN_DIR" "$LOG_DIR" "$CACHE_DIR"

# ---------------------------------------------------------------- Kafka
install_kafka() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  need java "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
  need mvn "install Maven (e.g. apt-get install maven)"
  say "fetching Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central (first run only)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$LOG_DIR/kafka-install.log" 2>&1 \
    || { tail -n 30 "$LOG_DIR/kafka-install.log" >&2; die "Maven could not fetch Kafka (log: $LOG_DIR/kafka-install.log)"; }
  touch "$KAFKA_LIBS/.complete"
}

start_kafka() {
  if pid_alive kafka && kafka_ready; then
    say "Kafka already running (pid $(cat "$RUN_DIR/kafka.pid"))"
    return 0
  fi
  if ! pid_alive kafka && kafka_ready; then
    say "something already answers Kafka requests on 127.0.0.1:$KAFKA_PORT; using it"
    return 0
  fi
  install_kafka
  local dir="$DATA_DIR/kafka" log="$LOG_DIR/kafka.log"
  mkdir -p "$dir"
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@LOG_DIRS@#$dir/data#g" \
    "$INFRA_DIR/kafka/server.properties.template" >"$dir/server.properties"
  local java_opts=(-Dlog4j.configuration="file:$INFRA_DIR/kafka/log4j.properties" -Djava.awt.headless=true)
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(java "${java_opts[@]}" -cp "$KAFKA_CLASSPATH" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java "${java_opts[@]}" -cp "$KAFKA_CLASSPATH" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" --ignore-formatted >"$LOG_DIR/kafka-format.log" 2>&1 \
      || { cat "$LOG_DIR/kafka-format.log" >&2; die "formatting Kafka storage failed"; }
  fi
  say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  # shellcheck disable=SC2086
  nohup setsid java -server $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${java_opts[@]}" \
    -cp "$KAFKA_CLASSPATH" kafka.Kafka "$dir/server.properties" >"$log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/kafka.pid"
  wait_until kafka 120 kafka_ready "$log"
}

# ---------------------------------------------------------------- FerretDB
ferretdb_binary() {
  local hash
  hash=$(cat "$INFRA_DIR/ferretdb/go.mod" "$INFRA_DIR/ferretdb/go.sum" "$INFRA_DIR/ferretdb/main.go" | sha256sum | cut -c1-16)
  echo "$CACHE_DIR/ferretdb-$hash/ferretdb-local"
}

install_ferretdb() {
  local binary=$1
  [[ -x "$binary" ]] && return 0
  need go "install Go 1.22+"
  say "building FerretDB from the Go module proxy (first run only)"
  mkdir -p "$(dirname "$binary")"
  (cd "$INFRA_DIR/ferretdb" && CGO_ENABLED=0 go build -mod=readonly -o "$binary.tmp" .) >"$LOG_DIR/ferretdb-build.log" 2>&1 \
    || { tail -n 30 "$LOG_DIR/ferretdb-build.log" >&2; die "building FerretDB failed (log: $LOG_DIR/ferretdb-build.log)"; }
  mv "$binary.tmp" "$binary"
}

start_ferretdb() {
  if pid_alive ferretdb && mongo_ready; then
    say "FerretDB already running (pid $(cat "$RUN_DIR/ferretdb.pid"))"
    return 0
  fi
  if ! pid_alive ferretdb && mongo_ready; then
    say "something already answers MongoDB pings on 127.0.0.1:$MONGO_PORT; using it"
    return 0
  fi
  local binary; binary=$(ferretdb_binary)
  install_ferretdb "$binary"
  local log="$LOG_DIR/ferretdb.log"
  mkdir -p "$DATA_DIR/mongo"
  say "starting FerretDB on 127.0.0.1:$MONGO_PORT"
  nohup setsid "$binary" -listen "127.0.0.1:$MONGO_PORT" -data "$DATA_DIR/mongo" -log-level error >"$log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/ferretdb.pid"
  wait_until ferretdb 30 mongo_ready "$log"
}

started=$SECONDS
# Build FerretDB while Maven fetches Kafka: both are network- and CPU-bound first-run steps.
install_ferretdb "$(ferretdb_binary)" &
ferret_build=$!
start_kafka
wait "$ferret_build" || die "building FerretDB failed (log: $LOG_DIR/ferretdb-build.log)"
start_ferretdb

say "ready in $(( SECONDS - started ))s:"
echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/notify"
