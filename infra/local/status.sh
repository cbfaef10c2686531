#!/usr/bin/env bash
# Says what runs and whether it answers its own protocol (Kafka metadata, MongoDB ping, PostgreSQL
# start-up). Exits 0 when all answer, 1 otherwise (PostgreSQL is not needed, and not checked, when
# the MongoDB-wire server was not started by up.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

status=0
report() {
  local name=$1 kind=$2 address=$3 pid answer
  if pid=$(running_pid "$name"); then pid="pid $pid"; else pid="not started by up.sh"; fi
  if answer=$(probe "$kind" "$address" 2>&1); then
    say "$name: up ($pid) - $answer"
  else
    say "$name: DOWN ($pid) - $answer"
    status=1
  fi
}
report kafka kafka "127.0.0.1:$KAFKA_PORT"
report ferretdb mongo "127.0.0.1:$MONGO_PORT"
if running_pid ferretdb >/dev/null || running_pid postgres >/dev/null || ! probe mongo "127.0.0.1:$MONGO_PORT" >/dev/null 2>&1; then
  report postgres postgres "127.0.0.1:$POSTGRES_PORT"
else
  say "postgres: not needed (the MongoDB-wire server on 127.0.0.1:$MONGO_PORT was not started by up.sh)"
fi
if running_pid ferretdb-sqlite >/dev/null; then
  say "ferretdb on SQLite (pid $(cat "$RUN_DIR/ferretdb-sqlite.pid")) was started by an earlier version of up.sh; the next up.sh replaces it"
  status=1
fi
say "data: $DATA_DIR (PostgreSQL cluster: $PG_DIR)  logs: $LOG_DIR  cache: $CACHE_DIR"
if ((status == 0)); then
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/notify"
fi
exit $status
