#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on loopback, then stops it and removes it.
# The cluster (data, unix socket, server log) lives in a fresh directory under /tmp that the server's user can
# enter, so the checkout may sit in a folder only its owner can open (a home folder of mode 0700, a `mktemp -d`).
# The directory is removed on exit, whether the command passes or fails. TIMELAPSER_TEST_POSTGRES_URL points at it.
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }
port="${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"

# As root the server runs as `postgres` (initdb refuses root).
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

pgdir="$(mktemp -d /tmp/timelapser-pg.XXXXXX)"
started=0
cleanup() {
  local status=$?
  if [ "$started" -eq 1 ]; then
    (cd "$pgdir" && "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$pgdir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 0700 "$pgdir"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pgdir"; fi

# The server's tools run from inside the cluster directory: the caller's working directory may be closed to them.
if ! (cd "$pgdir" && "${as_pg[@]}" "$bin/initdb" -D "$pgdir/data" -U postgres -A trust --no-sync >"$pgdir/initdb.log" 2>&1); then
  cat "$pgdir/initdb.log" >&2
  exit 1
fi
started=1
if ! (cd "$pgdir" && "${as_pg[@]}" "$bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" start >/dev/null); then
  cat "$pgdir/server.log" >&2 || true
  exit 1
fi
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE timelapser_test" >/dev/null
export TIMELAPSER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/timelapser_test"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
