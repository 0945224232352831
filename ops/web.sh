#!/usr/bin/env bash
# The web app (src/Web): build it, or run its browser tests against a real host.
#   ops/web.sh build                       npm ci (from the committed lock file) when needed, type-check, vite build
#   ops/web.sh test <pgdata> <pgport>      build, start the Release host (built by dotnet test) on CT_WEB_PORT (5095) with development
#                                          tokens and the demo tenant in a fresh database of the given cluster,
#                                          run the browser tests (Chromium from Debian, installed when missing), stop the host
# Node.js 20+ and npm come from the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

build() {
  command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer" >&2; exit 1; }
  # npm ci again only when the lock file changed since the last install.
  if [ ! -f src/Web/node_modules/.package-lock.json ] || [ src/Web/package-lock.json -nt src/Web/node_modules/.package-lock.json ]; then
    (cd src/Web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd src/Web && npm run --silent build)
}

ensure_chromium() {
  if ! command -v chromium >/dev/null; then
    echo "Chromium is not installed; installing it from Debian packages..." >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
  fi
}

browser_tests() {
  local data=$1 pgport=$2 webport=${CT_WEB_PORT:-5095}
  build
  ensure_chromium
  ops/postgres.sh createdb "$data" "$pgport" contracttherapy_web
  local log host
  log=$(mktemp)
  (
    cd src/Host
    ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$webport" \
    Auth__DevTokens=true Demo__Seed=true Web__Root="$PWD/../Web/dist" \
    ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=contracttherapy_web" \
      exec dotnet bin/Release/net10.0/ContractTherapy.Host.dll
  ) >"$log" 2>&1 &
  host=$!
  trap 'kill "$host" 2>/dev/null; wait "$host" 2>/dev/null; rm -f "$log"' RETURN
  for _ in $(seq 1 180); do
    curl -sf -o /dev/null "http://127.0.0.1:$webport/health/ready" && break
    kill -0 "$host" 2>/dev/null || { cat "$log" >&2; echo "the host did not start" >&2; return 1; }
    sleep 1
  done
  (cd src/Web && CT_WEB_URL="http://127.0.0.1:$webport" node --test --test-concurrency=1 --test-reporter=tap e2e/)
}

case "${1:-}" in
  build) build ;;
  test) browser_tests "$2" "$3" ;;
  *) echo "usage: ops/web.sh build | test <pgdata> <pgport>" >&2; exit 2 ;;
esac
