#!/usr/bin/env bash
# Runs ContractTherapy locally on http://127.0.0.1:5080 with a demo tenant.
#   ops/run.sh            keep the data of earlier runs
#   ops/run.sh --reset    start from an empty database (the demo tenant is seeded again)
# Without ConnectionStrings__Postgres in the environment it installs PostgreSQL when missing
# and runs a private cluster in .local/pgdata (port 55432, git-ignored), stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

data=.local/pgdata
port=${CT_PG_PORT:-55432}
url=${CT_URL:-http://127.0.0.1:5080}

if [ "${1:-}" = "--reset" ]; then
  ops/postgres.sh stop "$data"
  rm -rf "$data"
fi

if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  ops/postgres.sh start "$data" "$port"
  trap 'ops/postgres.sh stop "$data"' EXIT
  ops/postgres.sh createdb "$data" "$port" contracttherapy
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=contracttherapy"
fi

export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
export ASPNETCORE_URLS=$url
export Auth__DevTokens=${Auth__DevTokens:-true}
export Demo__Seed=${Demo__Seed:-true}

cat <<MSG

  ContractTherapy is starting on $url
  API reference:  $url/docs
  OpenAPI:        $url/openapi/v1.json
  A token for the demo tenant's owner:
    curl -s -X POST $url/dev/token -H 'Content-Type: application/json' -d '{"tenant":"demo","role":"owner"}'
  then send it as 'Authorization: Bearer <token>'. Ctrl+C stops the host and the database.

MSG
ops/web.sh build
dotnet run --project src/Host -c Release
