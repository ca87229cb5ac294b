#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the benchmarks (Debian's `postgresql` package).
#
#   .ci/postgres.sh install      apt-get install postgresql (root; skipped when already there)
#   .ci/postgres.sh start DIR    initdb a cluster in DIR (must not exist), start it on 127.0.0.1
#                                and a free port, create role + database `testio`; prints the
#                                SQLAlchemy URL on stdout (also written to DIR/url)
#   .ci/postgres.sh stop DIR     stop the cluster and delete DIR
#
# As root the cluster runs as the `postgres` user (root cannot run initdb or postgres).
# It is tuned for tests (fsync off): never use it for data you want to keep.
set -euo pipefail

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
        echo "postgres.sh: no PostgreSQL under /usr/lib/postgresql/*/bin; run '$0 install'" >&2
        exit 1
    fi
    echo "$dir"
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd_install() {
    if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        return
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends postgresql >/dev/null
}

cmd_start() {
    local dir=$1 bin port password
    bin=$(bindir)
    if [[ -e "$dir/data" ]]; then
        echo "postgres.sh: $dir/data already exists" >&2
        exit 1
    fi
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    port=$(free_port)
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300" >/dev/null
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE testio LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE testio OWNER testio" >/dev/null
    local url="postgresql+asyncpg://testio:$password@127.0.0.1:$port/testio"
    echo "$url" >"$dir/url"
    echo "$url"
}

cmd_stop() {
    local dir=$1 bin
    bin=$(bindir)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start "${2:?usage: $0 start DIR}" ;;
stop) cmd_stop "${2:?usage: $0 stop DIR}" ;;
*)
    echo "usage: $0 install | start DIR | stop DIR" >&2
    exit 2
    ;;
esac
