#!/usr/bin/env bash
# Stops what up.sh started: FerretDB (SIGTERM, then SIGKILL after STOP_TIMEOUT seconds), then
# PostgreSQL (`pg_ctl stop -m fast`), and Kafka. A no-op when nothing runs. Data stays in .data/ for
# the next up.sh; `down.sh --clean` also deletes the Kafka and PostgreSQL data (topics, offsets,
# databases), keeping the download/build cache. `down.sh kafka` or `down.sh database` (FerretDB and
# PostgreSQL) stops only that part, as the chaos suite does to restart one; up.sh starts it again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

clean=false
only=all
case "${1:-}" in
  "") ;;
  --clean) clean=true ;;
  kafka | database) only=$1 ;;
  *) die "usage: down.sh [--clean | kafka | database]" ;;
esac

take_lock
if [[ "$only" != kafka ]]; then
  stop ferretdb
  # FerretDB on SQLite, as earlier versions of up.sh ran it.
  if running_pid ferretdb-sqlite >/dev/null; then stop ferretdb-sqlite; fi
  stop_postgres
fi
if [[ "$only" != database ]]; then stop kafka; fi
if $clean; then
  # $DATA_DIR/mongo: FerretDB's SQLite databases, from earlier versions of up.sh.
  say "deleting $DATA_DIR/kafka, $DATA_DIR/mongo and the PostgreSQL cluster in $PG_DIR"
  rm -rf "$DATA_DIR/kafka" "$DATA_DIR/mongo" "$PG_DIR"
  rm -f "$PG_LINK"
fi
say "stopped"
