#!/usr/bin/env bash
# `make install` tested as a user would run it, staged under a temporary DESTDIR: the files and their modes,
# `systemd-analyze verify` on the unit, then the server started the way the unit starts it (as the `timelapser` user
# through runuser, with the environment file) serving and capturing a frame; `make uninstall` keeps the data.
# Needs root (the service user, runuser); skipped otherwise. Uses the debug build `make test` made.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ "$(id -u)" != 0 ]; then echo "install test: skipped (needs root)"; exit 0; fi
binary=.build/debug/timelapser
[ -x "$binary" ] || { echo "install test: build first (swift build)" >&2; exit 1; }
stage="$(mktemp -d /tmp/timelapser-install.XXXXXX)"
chmod 0755 "$stage"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$stage"; }
trap cleanup EXIT
fail() { echo "install test FAILED: $*" >&2; [ -f "$stage/serve.log" ] && tail -20 "$stage/serve.log" >&2; exit 1; }

# The service user, as `make install` makes it (a staged install does not).
id timelapser >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/timelapser --no-create-home \
  --shell /usr/sbin/nologin timelapser

make -s install DESTDIR="$stage" SKIP_BUILD=1 INSTALL_BIN="$binary" >/dev/null
for f in usr/local/bin/timelapser etc/systemd/system/timelapser.service etc/timelapser/timelapser.env \
         usr/local/bin/timelapser_Dashboard.resources/Resources/index.html; do
  [ -e "$stage/$f" ] || fail "missing $f"
done
[ "$(stat -c %a "$stage/etc/timelapser/timelapser.env")" = 640 ] || fail "env file mode"
[ "$(stat -c %U:%a "$stage/var/lib/timelapser")" = timelapser:750 ] || fail "data dir owner/mode"
grep -q '^User=timelapser' "$stage/etc/systemd/system/timelapser.service" || fail "unit user"
# Every TIMELAPSER_* variable the binary reads is in the environment file.
for name in $(grep -rhoE 'TIMELAPSER_[A-Z_]+' Sources | sort -u); do
  grep -q "^#\?$name=" "$stage/etc/timelapser/timelapser.env" || fail "$name missing from timelapser.env"
done

# systemd-analyze verify on the installed unit, its paths pointing into the stage.
mkdir -p "$stage/verify"
sed -e "s#/usr/local/bin/timelapser#$stage/usr/local/bin/timelapser#" \
    -e "s#/etc/timelapser/timelapser.env#$stage/etc/timelapser/timelapser.env#" \
    "$stage/etc/systemd/system/timelapser.service" > "$stage/verify/timelapser.service"
if command -v systemd-analyze >/dev/null; then
  out="$(systemd-analyze verify "$stage/verify/timelapser.service" 2>&1)" || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
else
  echo "install test: systemd-analyze not found (Debian's systemd package), unit not verified" >&2
fi

# Started as the unit starts it: the service user, the environment file, the unit's command line.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
echo "TIMELAPSER_PORT=$port" >> "$stage/etc/timelapser/timelapser.env"
exec_start="$(sed -n 's/^ExecStart=//p' "$stage/verify/timelapser.service" | sed "s#/var/lib/timelapser#$stage/var/lib/timelapser#")"
runuser -u timelapser -- sh -c "set -a; . '$stage/etc/timelapser/timelapser.env'; set +a; exec $exec_start" >"$stage/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/api/health" | grep -q '"version"' || fail "health"
camera="$(curl -fs -X POST -H 'Content-Type: application/json' -d '{"name":"service"}' "http://127.0.0.1:$port/api/cameras" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')"
curl -fs -X POST -H 'Content-Type: application/json' -d '{"started_at":"2026-01-01T00:00:00Z"}' \
  "http://127.0.0.1:$port/api/cameras/$camera/timelapses" >/dev/null || fail "timelapse"
/usr/bin/python3 -c '
from PIL import Image, ImageDraw; import sys
im = Image.new("RGB", (320, 240), (30, 90, 160)); d = ImageDraw.Draw(im); d.ellipse((60, 40, 260, 200), fill=(240, 200, 40))
im.save(sys.argv[1], "JPEG", quality=85)' "$stage/frame.jpg"
code="$(curl -s -o "$stage/capture.json" -w '%{http_code}' -X POST -H 'Content-Type: image/jpeg' --data-binary "@$stage/frame.jpg" \
  "http://127.0.0.1:$port/api/cameras/$camera/captures")"
[ "$code" = 201 ] || fail "capture answered $code: $(cat "$stage/capture.json")"
for _ in $(seq 1 100); do
  n="$(curl -fs "http://127.0.0.1:$port/api/cameras/$camera/timelapses" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["thumbnail_count"])')"
  [ "$n" = 1 ] && break; sleep 0.2
done
[ "$n" = 1 ] || fail "no thumbnail"
frame="$(find "$stage/var/lib/timelapser/cameras" -name '*.jpg' -path '*frames*' | head -1)"
[ "$(stat -c %U "$frame")" = timelapser ] || fail "the frame is not the service user's"
head -1 "$stage/serve.log" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())' || fail "the log is not JSON lines"
kill "$server"; wait "$server" 2>/dev/null || true; server=""

make -s uninstall DESTDIR="$stage" >/dev/null
[ ! -e "$stage/usr/local/bin/timelapser" ] && [ ! -e "$stage/etc/systemd/system/timelapser.service" ] || fail "uninstall left files"
[ -e "$frame" ] || fail "uninstall removed the data"
echo "install test: passed (unit verified, served and captured as the timelapser user, data kept by uninstall)"
