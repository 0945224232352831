#!/usr/bin/env bash
# The web app (src/Web): build it, or run its browser tests against a real host.
#   ops/web.sh build                       npm ci (from the committed lock file) when needed, type-check, vite build
#   ops/web.sh test <pgdata> <pgport>      build, start the Release host (built by dotnet test) on CT_WEB_PORT (5095) with development
#                                          tokens and the demo tenant in a fresh database of the given cluster,
#                                          run the browser tests (Chromium from Debian, installed when missing), stop the host;
#                                          then a second host on CT_WEB_OIDC_PORT (5096), same database, without development
#                                          tokens, trusting the tests' fake OpenID Connect authority on CT_OIDC_PORT (5097)
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
  local log oidclog host oidchost oidcport=${CT_WEB_OIDC_PORT:-5096} authport=${CT_OIDC_PORT:-5097}
  log=$(mktemp)
  oidclog=$(mktemp)
  start_host() { # <port> <log> <env...>
    local port=$1 out=$2; shift 2
    (
      source ops/host-runtime.sh  # the runtime settings the product's host runs with
      cd src/Host
      exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" Web__Root="$PWD/../Web/dist" \
        ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=contracttherapy_web" \
        "$@" dotnet bin/Release/net10.0/ContractTherapy.Host.dll
    ) >"$out" 2>&1 &
  }
  wait_ready() { # <port> <pid> <log>
    for _ in $(seq 1 180); do
      curl -sf -o /dev/null "http://127.0.0.1:$1/health/ready" && return 0
      kill -0 "$2" 2>/dev/null || { cat "$3" >&2; echo "the host on port $1 did not start" >&2; return 1; }
      sleep 1
    done
    echo "the host on port $1 was not ready within 3 minutes" >&2; return 1
  }
  # The threshold of the year three back is unset: the accountant's screen for a year whose threshold is not configured
  # yet (the year under way, until the IRS publishes its figure) is tested on a year the screen offers.
  start_host "$webport" "$log" Auth__DevTokens=true Demo__Seed=true "Tax__Nec__Thresholds__$(( $(date +%Y) - 3 ))="
  host=$!
  oidchost=""
  trap 'kill $host $oidchost 2>/dev/null; wait $host $oidchost 2>/dev/null; rm -f "$log" "$oidclog"' RETURN
  wait_ready "$webport" "$host" "$log" || return 1
  local status=0
  (cd src/Web && CT_WEB_URL="http://127.0.0.1:$webport" node --test --test-concurrency=1 --test-reporter=tap e2e/app.test.mjs) || status=$?
  # The production sign-in: started once the first host has seeded the demo tenant (one node at a
  # time on the database while seeding). It fetches the authority's metadata only when the first
  # token comes, so the authority (started by e2e/oidc.test.mjs) need not be up yet.
  start_host "$oidcport" "$oidclog" Auth__DevTokens=false Demo__Seed=false Auth__Authority="http://127.0.0.1:$authport" \
    Auth__ClientId=contracttherapy-web
  oidchost=$!
  wait_ready "$oidcport" "$oidchost" "$oidclog" || return 1
  (cd src/Web && CT_WEB_URL="http://127.0.0.1:$webport" CT_WEB_OIDC_URL="http://127.0.0.1:$oidcport" CT_OIDC_PORT="$authport" \
    node --test --test-concurrency=1 --test-reporter=tap e2e/oidc.test.mjs) || status=$?
  return $status
}

case "${1:-}" in
  build) build ;;
  test) browser_tests "$2" "$3" ;;
  *) echo "usage: ops/web.sh build | test <pgdata> <pgport>" >&2; exit 2 ;;
esac
