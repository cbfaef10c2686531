#!/usr/bin/env bash
# Says what runs and whether it answers its own protocol (Kafka metadata, MongoDB ping).
# Exits 0 when both answer, 1 otherwise.
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
say "data: $DATA_DIR  logs: $LOG_DIR  cache: $CACHE_DIR"
if ((status == 0)); then
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/notify"
fi
exit $status
