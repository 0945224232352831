#!/usr/bin/env bash
# Runs ContractTherapy locally on http://127.0.0.1:5080 with a demo tenant.
#   ops/run.sh            keep the data of earlier runs
#   ops/run.sh --reset    start from an empty database (the demo tenant is seeded again)
# Without ConnectionStrings__Postgres in the environment it installs PostgreSQL when missing
# and runs a private cluster in .local/pgdata (port 55432, git-ignored), stopped on exit.
# Without Mail__Smtp__Host it runs smtp4dev (a local dotnet tool, .config/dotnet-tools.json) as
# the demo's mail catcher: SMTP on 127.0.0.1:2525 (CT_MAIL_SMTP_PORT), its web page on 5090
# (CT_MAIL_WEB_PORT), where the invoice notices sent by cycle closes can be read.
set -euo pipefail
cd "$(dirname "$0")/.."

data=.local/pgdata
port=${CT_PG_PORT:-55432}
url=${CT_URL:-http://127.0.0.1:5080}
mail_smtp_port=${CT_MAIL_SMTP_PORT:-2525}
mail_web_port=${CT_MAIL_WEB_PORT:-5090}
cleanups=()
cleanup() { for c in "${cleanups[@]}"; do eval "$c" || true; done; }
trap cleanup EXIT

if [ "${1:-}" = "--reset" ]; then
  ops/postgres.sh stop "$data"
  rm -rf "$data"
fi

ops/fonts.sh
if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  ops/postgres.sh start "$data" "$port"
  cleanups+=('ops/postgres.sh stop "$data"')
  ops/postgres.sh createdb "$data" "$port" contracttherapy
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=contracttherapy"
fi

mail_line="  Mail:           Mail__Smtp__Host=${Mail__Smtp__Host:-}"
if [ -z "${Mail__Smtp__Host:-}" ]; then
  mkdir -p .local/smtp4dev
  dotnet tool restore >/dev/null
  # Its own process group, so that stopping it also stops what 'dotnet tool run' started.
  setsid dotnet tool run smtp4dev -- --baseappdatapath="$PWD/.local/smtp4dev" --nousersettings --db="" \
    --bindaddress=127.0.0.1 --smtpport="$mail_smtp_port" --imapport="" --pop3port="" \
    --urls="http://127.0.0.1:$mail_web_port" >.local/smtp4dev/smtp4dev.log 2>&1 &
  smtp4dev_pid=$!
  cleanups+=('kill -- -"$smtp4dev_pid"; wait "$smtp4dev_pid" 2>/dev/null')
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$mail_smtp_port") 2>/dev/null && break
    kill -0 "$smtp4dev_pid" 2>/dev/null || { cat .local/smtp4dev/smtp4dev.log; echo "smtp4dev did not start" >&2; exit 1; }
    sleep 0.5
  done
  export Mail__Smtp__Host=127.0.0.1 Mail__Smtp__Port=$mail_smtp_port
  mail_line="  Mail catcher:   http://127.0.0.1:$mail_web_port  (smtp4dev; SMTP on 127.0.0.1:$mail_smtp_port; invoice notices land here)"
fi
export Mail__From=${Mail__From:-"Demo Therapy Billing <billing@demo-therapy.example>"}
export Portal__BaseUrl=${Portal__BaseUrl:-$url}

export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
export ASPNETCORE_URLS=$url
export Auth__DevTokens=${Auth__DevTokens:-true}
export Demo__Seed=${Demo__Seed:-true}

cat <<MSG

  ContractTherapy is starting on $url
  Web app:        $url  (sign in: "enter the demo as" any of the seven roles)
  API reference:  $url/docs
  OpenAPI:        $url/openapi/v1.json
$mail_line
  A token for the demo tenant's owner:
    curl -s -X POST $url/dev/token -H 'Content-Type: application/json' -d '{"tenant":"demo","role":"owner"}'
  then send it as 'Authorization: Bearer <token>'. Ctrl+C stops the host, the database and the mail catcher.

MSG
ops/web.sh build
source ops/host-runtime.sh
dotnet run --project src/Host -c Release
