#!/usr/bin/env bash
# Starts the storage emulators on loopback: Azurite (Blob, Queue, Table) and cosmosdb-server
# (Cosmos DB SQL API over HTTPS with a self-signed certificate).
#
# Settings (environment variables, all optional):
#   EMULATORS_HOST        loopback address to listen on            (127.0.0.1)
#   AZURITE_BLOB_PORT     Azurite Blob port                        (10000)
#   AZURITE_QUEUE_PORT    Azurite Queue port                       (10001)
#   AZURITE_TABLE_PORT    Azurite Table port                       (10002)
#   COSMOS_PORT           cosmosdb-server port                     (8081)
#   EMULATORS_RUN_DIR     where PID files and logs go              (tools/emulators/.run)
#   EMULATORS_OWNER_PID   stop the emulators when this process exits (a test host, for example)
#
# An emulator already answering on its port is used as it is and not recorded, so stop.sh
# never stops what this script did not start. The PIDs recorded are those of the node
# processes themselves. On success the script prints the connection strings as KEY=VALUE lines.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

host="${EMULATORS_HOST:-127.0.0.1}"
blob_port="${AZURITE_BLOB_PORT:-10000}"
queue_port="${AZURITE_QUEUE_PORT:-10001}"
table_port="${AZURITE_TABLE_PORT:-10002}"
cosmos_port="${COSMOS_PORT:-8081}"
run_dir="${EMULATORS_RUN_DIR:-$here/.run}"
owner_pid="${EMULATORS_OWNER_PID:-}"
ready_timeout_seconds=60

case "$host" in
  127.*|localhost) ;;
  *) echo "start.sh: EMULATORS_HOST must be a loopback address, got '$host'" >&2; exit 2 ;;
esac

azurite_js="node_modules/azurite/dist/src/azurite.js"
cosmos_js="node_modules/@vercel/cosmosdb-server/lib/cli.js"
installed() { [[ -f "$azurite_js" && -f "$cosmos_js" ]]; }
if ! installed; then
  # Several test runs may start at once on a fresh clone: one installs, the others wait for it.
  mkdir -p "$here/.run"
  exec 9>"$here/.run/install.lock"
  flock 9
  if ! installed; then
    echo "start.sh: installing emulators (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  flock -u 9
  exec 9>&-
fi

mkdir -p "$run_dir"

port_answers() {
  timeout 1 bash -c "exec 3<>/dev/tcp/$host/$1" 2>/dev/null
}

# Stops what this run started if a later step fails, so a failed start leaves nothing behind.
cleanup_on_failure() {
  local status=$?
  if [[ $status -ne 0 ]]; then
    EMULATORS_RUN_DIR="$run_dir" bash "$here/stop.sh" >&2 || true
  fi
}
trap cleanup_on_failure EXIT

# start NAME PORT COMMAND...: starts COMMAND in the background unless PORT already answers,
# records its PID and waits until the port answers.
start() {
  local name="$1" port="$2"; shift 2
  if port_answers "$port"; then
    echo "start.sh: $name already answers on $host:$port; using it" >&2
    return 0
  fi
  # exec inside nohup keeps the recorded PID that of node itself.
  nohup "$@" >"$run_dir/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$run_dir/$name.pid"
  local deadline=$((SECONDS + ready_timeout_seconds))
  until port_answers "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "start.sh: $name exited before answering on $host:$port; its log:" >&2
      cat "$run_dir/$name.log" >&2
      return 1
    fi
    if (( SECONDS >= deadline )); then
      echo "start.sh: $name did not answer on $host:$port within ${ready_timeout_seconds}s" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "start.sh: $name (pid $pid) answers on $host:$port" >&2
}

start azurite "$blob_port" node "$azurite_js" \
  --skipApiVersionCheck --disableTelemetry --inMemoryPersistence --silent \
  --blobHost "$host" --blobPort "$blob_port" \
  --queueHost "$host" --queuePort "$queue_port" \
  --tableHost "$host" --tablePort "$table_port"

start cosmosdb "$cosmos_port" node "$cosmos_js" --host "$host" --port "$cosmos_port"

if [[ -n "$owner_pid" ]]; then
  nohup bash "$here/watchdog.sh" "$owner_pid" "$run_dir" >/dev/null 2>&1 </dev/null &
  echo "$!" >"$run_dir/watchdog.pid"
fi

# The well-known development keys of both emulators (public, not secrets).
azurite_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
cosmos_key="C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
echo "SERVERLESS_EMULATOR_STORAGE=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$azurite_key;BlobEndpoint=http://$host:$blob_port/devstoreaccount1;QueueEndpoint=http://$host:$queue_port/devstoreaccount1;TableEndpoint=http://$host:$table_port/devstoreaccount1;"
echo "SERVERLESS_EMULATOR_COSMOS=AccountEndpoint=https://$host:$cosmos_port/;AccountKey=$cosmos_key;"
