#!/usr/bin/env bash
# Serving benchmark: GET /api/images/{id}/thumbnail over 1,000 distinct images (200 path) and the same requests
# with a matching If-None-Match (304 path), against nginx serving the very same thumbnail files as static files,
# measured in the same run with the same wrk settings. Prints a side-by-side table and writes it to
# .cache/bench-serving/results.md.
#
# Environment: WRK_THREADS (1), WRK_CONNECTIONS (32), WRK_DURATION (10s), IMAGES (1000), SKIP_BUILD=1 to reuse
# .build/release/timelapser.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$root/.cache/bench-serving"
data="$work/data"
threads="${WRK_THREADS:-1}"
connections="${WRK_CONNECTIONS:-32}"
duration="${WRK_DURATION:-10s}"
images="${IMAGES:-1000}"

for tool in wrk nginx python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps.sh bench installs wrk and nginx)" >&2; exit 1; }
done
python3 -c 'import PIL' 2>/dev/null || { echo "missing python3 pillow (pip install pillow)" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product timelapser >&2; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rm -rf "$work"
mkdir -p "$data"
app_port="$(free_port)"
nginx_port="$(free_port)"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

.build/release/timelapser serve --data-dir "$data" --port "$app_port" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$app_port/api/health" >/dev/null && break; sleep 0.1; done

# nginx serves the same data directory as static files: the anchor.
echo "$nginx_port" >"$work/nginx_port"
cat >"$work/nginx.conf" <<CONF
user root;
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  types { image/jpeg jpg; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $data;
    location / { add_header Cache-Control "public, max-age=3600"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.1; done

echo "seeding $images captures…" >&2
python3 - "$app_port" "$images" "$work" <<'PY'
import http.client, io, json, sys, time
from datetime import datetime, timedelta, timezone
from PIL import Image, ImageDraw

port, count, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port)

def call(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read(), dict(response.getheaders())

def ok(status, body):
    if status >= 300:
        sys.exit(f"seeding failed: {status} {body[:200]!r}")
    return json.loads(body)["data"]

camera = ok(*call("POST", "/api/cameras", json.dumps({"name": "bench"}), {"Content-Type": "application/json"})[:2])
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
timelapse = ok(*call("POST", f"/api/cameras/{camera['id']}/timelapses",
                     json.dumps({"started_at": start.isoformat().replace("+00:00", "Z")}),
                     {"Content-Type": "application/json"})[:2])

# One 320×240 scene (gradient and shapes: not a flat colour, which corruption detection refuses).
image = Image.new("RGB", (320, 240))
pixels = image.load()
for y in range(240):
    for x in range(320):
        pixels[x, y] = (x * 255 // 320, y * 255 // 240, (x * y) % 256)
draw = ImageDraw.Draw(image)
draw.ellipse((80, 40, 240, 200), outline=(255, 255, 255), width=6)
buffer = io.BytesIO()
image.save(buffer, "JPEG", quality=85)
frame = buffer.getvalue()

ids = []
for i in range(count):
    at = (start + timedelta(hours=1, seconds=i)).isoformat().replace("+00:00", "Z")
    data = ok(*call("POST", f"/api/cameras/{camera['id']}/captures?captured_at={at}", frame, {"Content-Type": "image/jpeg"})[:2])
    ids.append(data["image_id"])

deadline = time.time() + 600
while time.time() < deadline:
    queue = ok(*call("GET", "/api/health")[:2])["queue"]
    if queue["pending"] == 0 and queue["processing"] == 0:
        break
    time.sleep(0.2)
else:
    sys.exit("thumbnail queue did not drain")

rows = []
offset = 0
while offset < count:
    page = ok(*call("GET", f"/api/timelapses/{timelapse['id']}/images?limit=1000&offset={offset}")[:2])
    rows += page
    offset += len(page)
    if not page:
        break
missing = [r["id"] for r in rows if not r["thumbnail_path"]]
if missing:
    sys.exit(f"{len(missing)} images have no thumbnail")

nginx = http.client.HTTPConnection("127.0.0.1", int(open(f"{work}/nginx_port").read()))
with open(f"{work}/app.txt", "w") as app, open(f"{work}/app304.txt", "w") as app304, \
     open(f"{work}/nginx.txt", "w") as static, open(f"{work}/nginx304.txt", "w") as static304:
    for row in rows:
        path = f"/api/images/{row['id']}/thumbnail"
        status, _, headers = call("HEAD", path)
        etag = headers.get("ETag") or headers.get("etag")
        assert status == 200 and etag, (status, headers)
        app.write(path + "\n")
        app304.write(f"{path}\t{etag}\n")
        file_path = "/" + row["thumbnail_path"]
        nginx.request("HEAD", file_path)
        response = nginx.getresponse()
        response.read()
        static_etag = response.getheader("ETag")
        assert response.status == 200 and static_etag, (response.status, file_path)
        static.write(file_path + "\n")
        static304.write(f"{file_path}\t{static_etag}\n")
json.dump({str(r["id"]): r["thumbnail_path"] for r in rows}, open(f"{work}/thumbnails.json", "w"))
print(f"seeded {len(rows)} images", file=sys.stderr)
PY

# The peers' stack: a FastAPI app answering the same URLs with `FileResponse` under uvicorn (one worker per core,
# as nginx has), the way the original Timelapser served thumbnails. Skipped when FastAPI is not installed.
fastapi_port=""
if python3 -c 'import fastapi, uvicorn' 2>/dev/null; then
  fastapi_port="$(free_port)"
  cat >"$work/fastapi_app.py" <<PY
import json
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

DATA = "$data"
PATHS = json.load(open("$work/thumbnails.json"))
app = FastAPI()

@app.get("/api/images/{image_id}/thumbnail")
def thumbnail(image_id: int):
    path = PATHS.get(str(image_id))
    if path is None:
        raise HTTPException(status_code=404)
    return FileResponse(f"{DATA}/{path}", media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"})
PY
  (cd "$work" && exec python3 -m uvicorn fastapi_app:app --host 127.0.0.1 --port "$fastapi_port" --workers "$(nproc)" \
      --log-level warning --no-access-log) >"$work/fastapi.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$fastapi_port/api/images/$(head -1 "$work/app.txt" | cut -d/ -f4)/thumbnail" && break; sleep 0.1; done
  python3 - "$fastapi_port" "$work" <<'PY'
import http.client, sys
port, work = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port)
with open(f"{work}/app.txt") as paths, open(f"{work}/fastapi304.txt", "w") as out:
    for path in paths.read().split():
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        out.write(f"{path}\t{response.getheader('etag')}\n")
PY
fi

# wrk scripts: rotate over the 1,000 URLs (each thread starts at its own offset); the 304 variant sends the
# ETag each URL answered with.
cat >"$work/rotate.lua" <<'LUA'
local entries = {}
for line in io.lines(os.getenv("BENCH_URLS")) do
  local path, etag = line:match("^([^\t]+)\t?(.*)$")
  entries[#entries + 1] = { path = path, etag = etag }
end
local index = 0
function setup(thread)
  thread:set("offset", math.random(#entries))
end
function init(args)
  index = tonumber(offset) or 0
end
function request()
  index = index % #entries + 1
  local entry = entries[index]
  if entry.etag ~= "" then
    return wrk.format("GET", entry.path, { ["If-None-Match"] = entry.etag })
  end
  return wrk.format("GET", entry.path)
end
LUA

run() { # name port urls-file
  local out="$work/wrk-$1.txt"
  BENCH_URLS="$3" wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/rotate.lua" "http://127.0.0.1:$2" >"$out"
  local rps p99 errors
  rps="$(awk '/^Requests\/sec/ {print $2}' "$out")"
  p99="$(awk '$1 == "99%" {print $2}' "$out")"
  errors="$(awk '/Non-2xx or 3xx/ {print $5}' "$out")"
  echo "$1 $rps $p99 ${errors:-0}"
}

# Warm both servers (page cache, resolution cache), then measure.
BENCH_URLS="$work/app.txt" wrk -t1 -c8 -d2s -s "$work/rotate.lua" "http://127.0.0.1:$app_port" >/dev/null
BENCH_URLS="$work/nginx.txt" wrk -t1 -c8 -d2s -s "$work/rotate.lua" "http://127.0.0.1:$nginx_port" >/dev/null
results=()
results+=("$(run app-200 "$app_port" "$work/app.txt")")
results+=("$(run nginx-200 "$nginx_port" "$work/nginx.txt")")
results+=("$(run app-304 "$app_port" "$work/app304.txt")")
results+=("$(run nginx-304 "$nginx_port" "$work/nginx304.txt")")
if [ -n "$fastapi_port" ]; then
  BENCH_URLS="$work/app.txt" wrk -t1 -c8 -d2s -s "$work/rotate.lua" "http://127.0.0.1:$fastapi_port" >/dev/null
  results+=("$(run fastapi-200 "$fastapi_port" "$work/app.txt")")
  results+=("$(run fastapi-304 "$fastapi_port" "$work/fastapi304.txt")")
fi
fast="$(curl -fs "http://127.0.0.1:$app_port/api/health" | python3 -c 'import json,sys; s=json.load(sys.stdin)["data"]["serving"]; print(s["fast_responses"], s["cache_bytes"], s["cache_files"])')"

python3 - "$work" "$threads" "$connections" "$duration" "$fast" "${results[@]}" <<'PY'
import sys
work, threads, connections, duration, fast, *rows = sys.argv[1:]
r = {}
for row in rows:
    name, rps, p99, errors = row.split()
    r[name] = (float(rps), p99, int(errors))
lines = [
    f"wrk -t{threads} -c{connections} -d{duration} --latency, 1,000 distinct thumbnails, loopback",
    "",
    "| path | timelapser req/s | timelapser p99 | nginx req/s | nginx p99 | ratio | target | FastAPI+uvicorn req/s | FastAPI p99 | timelapser vs FastAPI |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for path, target in (("200", 0.8), ("304", 1.0)):
    app, static = r[f"app-{path}"], r[f"nginx-{path}"]
    ratio = app[0] / static[0]
    verdict = "met" if ratio >= target else "NOT met"
    peer = r.get(f"fastapi-{path}")
    peer_cells = f"{peer[0]:,.0f} | {peer[1]} | {app[0] / peer[0]:.1f}×" if peer else "– | – | –"
    lines.append(f"| {path} | {app[0]:,.0f} | {app[1]} | {static[0]:,.0f} | {static[1]} | {ratio:.2f}× | ≥ {target}× ({verdict}) | {peer_cells} |")
answered, cache_bytes, cache_files = fast.split()
lines.append("")
lines.append(f"timelapser's fast path answered {int(answered):,} requests; its byte cache held {int(cache_files):,} files, {int(cache_bytes):,} bytes")
bad = {k: v[2] for k, v in r.items() if v[2]}
if bad:
    lines.append("")
    lines.append(f"unexpected statuses (non-2xx/3xx): {bad}")
text = "\n".join(lines)
print(text)
open(f"{work}/results.md", "w").write(text + "\n")
PY
