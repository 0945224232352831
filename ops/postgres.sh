#!/usr/bin/env bash
# A private PostgreSQL cluster for local runs and tests.
#   ops/postgres.sh start <data-dir> <port>   install PostgreSQL when missing, init and start a cluster
#   ops/postgres.sh createdb <data-dir> <port> <name>   create the database when missing
#   ops/postgres.sh stop  <data-dir>
# The cluster listens on 127.0.0.1 only, with trust auth: it is a developer's or CI's
# throwaway database, never a production one. initdb refuses to run as root, so as root the
# cluster belongs to the `postgres` system user.
set -euo pipefail

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

ensure_installed() {
  if ! find_bin >/dev/null; then
    echo "PostgreSQL is not installed; installing it from Debian packages..." >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  fi
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd=${1:?usage: postgres.sh start|stop <data-dir> [port]}
data=${2:?data dir}

case "$cmd" in
  start)
    port=${3:?port}
    ensure_installed
    bin=$(find_bin)
    mkdir -p "$data"
    data=$(cd "$data" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
    if [ ! -f "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
max_connections = 200
shared_buffers = 256MB
fsync = on
CONF
    fi
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      echo "PostgreSQL already running in $data" >&2
    else
      as_owner "$bin/pg_ctl" -D "$data" -o "-p $port" -l "$data/server.log" -w -t 60 start >/dev/null
    fi
    ;;
  createdb)
    port=${3:?port}; name=${4:?database name}
    bin=$(find_bin)
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname = '$name'" | grep -q 1; then
      "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "create database \"$name\"" >/dev/null
    fi
    ;;
  psql)
    port=${3:?port}; name=${4:?database name}; sql=${5:?sql}
    bin=$(find_bin)
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d "$name" -tAc "$sql"
    ;;
  stop)
    bin=$(find_bin) || exit 0
    [ -f "$data/PG_VERSION" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
