#!/usr/bin/env bash
# Stops what up.sh started (SIGTERM, then SIGKILL after STOP_TIMEOUT seconds). A no-op when nothing
# runs. Data stays in .data/ for the next up.sh; `down.sh --clean` also deletes the Kafka and FerretDB
# data (topics, offsets, databases), keeping the download/build cache.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

clean=false
case "${1:-}" in
  "") ;;
  --clean) clean=true ;;
  *) die "usage: down.sh [--clean]" ;;
esac

take_lock
stop ferretdb
stop kafka
if $clean; then
  say "deleting $DATA_DIR/kafka and $DATA_DIR/mongo"
  rm -rf "$DATA_DIR/kafka" "$DATA_DIR/mongo"
fi
say "stopped"
