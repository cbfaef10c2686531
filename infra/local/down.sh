#!/usr/bin/env bash
# Stops what up.sh started; data stays in .data/ (delete it for a clean slate). A no-op when nothing runs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stop_pid ferretdb
stop_pid kafka
say "stopped"
