#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine of this kind, doing its own set-up:
#   1. the storage emulators' npm packages (Azurite, cosmosdb-server); the tests start and stop them;
#   2. Debian's Chromium for the browser tests (installed with apt when missing and this user may);
#   3. the Bicep templates compiled offline, the checks of that compile step, and the azd hook;
#   4. `dotnet build` and `dotnet test` of Serverless.sln (Release).
#
#   tools/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Durable]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n== %s\n' "$*"; }

step "emulators (npm ci in tools/emulators)"
if [[ ! -f tools/emulators/node_modules/azurite/dist/src/azurite.js || ! -f tools/emulators/node_modules/@vercel/cosmosdb-server/lib/cli.js ]]; then
  (cd tools/emulators && npm ci --no-audit --no-fund --loglevel=error)
fi

step "chromium for the browser tests"
if ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
  elif command -v sudo >/dev/null 2>&1; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
  fi
fi
command -v chromium >/dev/null 2>&1 && echo "chromium: $(command -v chromium)" || echo "chromium: not installed (browser tests will fail)"

step "bicep: compile infra/ offline"
tools/bicep/build.sh
tools/bicep/test.sh
tools/azd/test.sh

step "dotnet build"
dotnet build Serverless.sln -c Release -nologo -clp:ErrorsOnly

step "dotnet test"
dotnet test Serverless.sln -c Release --no-build -nologo "$@"
