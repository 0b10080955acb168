#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on loopback, then stops it.
# The cluster lives in .pg/ (git-ignored); TIMELAPSER_TEST_POSTGRES_URL points at it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pgdir="$root/.pg"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }
port="${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

rm -rf "$pgdir"
mkdir -p "$pgdir"
[ "$(id -u)" -eq 0 ] && chown postgres "$pgdir"
"${as_pg[@]}" "$bin/initdb" -D "$pgdir/data" -U postgres -A trust --no-sync >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
stop() { "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true; }
trap stop EXIT
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE timelapser_test" >/dev/null
export TIMELAPSER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/timelapser_test"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
