#!/usr/bin/env bash
# Says what runs and whether it answers its protocol. Exits 1 when something is down.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
status=0
report() {
  local name=$1 check=$2 endpoint=$3
  local pid="-"; pid_alive "$name" && pid=$(cat "$RUN_DIR/$name.pid")
  if $check; then say "$name: up at $endpoint (pid $pid)"; else say "$name: DOWN ($endpoint, pid $pid)"; status=1; fi
}
report kafka kafka_ready "127.0.0.1:$KAFKA_PORT"
report ferretdb mongo_ready "mongodb://127.0.0.1:$MONGO_PORT"
exit $status
