#!/usr/bin/env bash
# Stops the emulators of RUN_DIR once OWNER_PID has exited, so a test host that dies
# without disposing its fixture leaves no emulator running.
owner_pid="$1"
run_dir="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while kill -0 "$owner_pid" 2>/dev/null; do
  sleep 1
done
EMULATORS_RUN_DIR="$run_dir" exec bash "$here/stop.sh"
