#!/usr/bin/env bash
# Stops the emulators that start.sh started (and recorded) in EMULATORS_RUN_DIR.
# A recorded PID is signalled only while it still runs the expected command, so a PID
# reused by an unrelated process after a crash is never touched.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run_dir="${EMULATORS_RUN_DIR:-$here/.run}"
stop_timeout_seconds=10

# stop NAME EXPECTED: stops the recorded process NAME if its command line contains EXPECTED.
stop() {
  local name="$1" expected="$2" file="$run_dir/$1.pid"
  [[ -f "$file" ]] || return 0
  local pid
  pid="$(cat "$file")"
  # The watchdog runs this script through exec: it must not signal itself.
  if [[ "$pid" == "$$" ]]; then rm -f "$file"; return 0; fi
  if kill -0 "$pid" 2>/dev/null && ps -p "$pid" -o args= | grep -qF -- "$expected"; then
    kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + stop_timeout_seconds))
    while kill -0 "$pid" 2>/dev/null; do
      if (( SECONDS >= deadline )); then
        kill -9 "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
    echo "stop.sh: stopped $name (pid $pid)" >&2
  fi
  rm -f "$file"
}

stop watchdog "watchdog.sh"
stop azurite "azurite.js"
stop cosmosdb "cosmosdb-server"
exit 0
