#!/usr/bin/env bash
# Video render benchmark: 120 frames of 3840×2160 (made from the mate-backgrounds photographs) rendered to 1080p
# H.264 (CRF 23, preset veryfast, 24 fps) through the API, beside the ffmpeg command lines a knowledgeable user
# would write for the very same JPEG files, measured in the same run:
#
#   plain:   ffmpeg -framerate 24 -pattern_type glob -i '*.jpg' -vf scale=1920:1080,format=yuv420p \
#                   -c:v libx264 -preset veryfast -crf 23 out.mp4
#   lowres:  the same with -lowres 1 before -i (ffmpeg's JPEG decoder at half size)
#
# Ours is timed from the POST to the status `completed` (the client's clock; the server's render_seconds is shown
# too), the anchors with /usr/bin/time -v. Runs alternate ours, plain, lowres; the table shows medians. Peak RSS:
# the server process (VmHWM, reset through /proc/PID/clear_refs before each render; polled VmRSS where that
# cannot be reset) and its ffmpeg child (VmHWM, polled) separately; the anchors' from time -v. CPU seconds (user +
# system; for ours the server plus its waited-for ffmpeg, from /proc/PID/stat) say more than wall time on a busy
# machine. SSIM is ffmpeg's ssim filter over our MP4 against the plain anchor's; for calibration also the plain
# command with only flags=lanczos against the plain one, and each MP4 against the uncompressed frames of the plain
# chain. Benchmarks measure, they do not assert: the targets (≥ 1.3× the faster anchor, SSIM ≥ 0.98, peak RSS
# < 500 MB) are printed as met or not.
#
# The anchors run under `nice -n 10` like the render (its decode threads and its ffmpeg are niced), so that other
# load on a shared machine weighs on both alike; ANCHOR_NICE=0 runs them at normal priority.
#
# Environment: RUNS (3), ANCHOR_NICE (10), BIN (.build/release/timelapser), SKIP_BUILD=1 to reuse the binary.
# Frames are cached in .cache/bench/video-frames; the table is written to .cache/bench-video/results.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
CACHE=.cache
CORPUS=$CACHE/corpus
FRAMES=$CACHE/bench/video-frames
work="$root/$CACHE/bench-video"
BIN=${BIN:-.build/release/timelapser}
RUNS=${RUNS:-3}
ANCHOR_NICE=${ANCHOR_NICE:-10}
PY=/usr/bin/python3

for tool in ffmpeg curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps.sh bench installs it)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (scripts/install-deps.sh bench installs it)" >&2; exit 1; }
"$PY" -c 'import PIL' 2>/dev/null || { echo "missing python3-pil for $PY (scripts/install-deps.sh bench)" >&2; exit 1; }

# 1. Corpus: the .jpg photographs of mate-backgrounds (as scripts/bench-imaging.sh prepares them).
if ! ls "$CORPUS"/*.jpg >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  if ! ls "$CACHE"/mate-backgrounds_*.deb >/dev/null 2>&1; then
    (cd "$CACHE" && { apt-get download mate-backgrounds 2>/dev/null \
      || { apt-get update >/dev/null && apt-get download mate-backgrounds; }; })
  fi
  rm -rf "$CACHE/mate-backgrounds"
  dpkg-deb -x "$(ls "$CACHE"/mate-backgrounds_*.deb | head -1)" "$CACHE/mate-backgrounds"
  mkdir -p "$CORPUS"
  find "$CACHE/mate-backgrounds" -type f -name '*.jpg' -exec cp {} "$CORPUS/" \;
fi

# 2. Frames: 120 distinct 3840×2160 JPEGs (quality 90, 4:2:0) — four scenes cut from the photographs, each a slow
# drift and zoom of the framing with the light changing through the sequence and a little sensor noise, so that
# consecutive frames differ as in a real timelapse. Made once (a recipe version in .recipe remakes them).
recipe=2
if [ "$(cat "$FRAMES/.recipe" 2>/dev/null)" != "$recipe" ] || [ "$(ls "$FRAMES"/*.jpg 2>/dev/null | wc -l)" != 120 ]; then
  echo "making 120 frames of 3840×2160 in $FRAMES…" >&2
  rm -rf "$FRAMES"
  mkdir -p "$FRAMES"
  "$PY" - "$CORPUS" "$FRAMES" <<'PY'
import math, random, sys
from PIL import Image, ImageChops, ImageEnhance

corpus, out = sys.argv[1], sys.argv[2]
W, H, N = 3840, 2160, 120
# (photograph, frames): the 5640×3172 and 3840×2160 Elephants keep real 4K detail; two 2560×1600 photographs
# are upscaled like a lower-resolution camera's.
scenes = [("Elephants_5640x3172.jpg", 48), ("Elephants_3840x2160.jpg", 32), ("Garden.jpg", 20), ("LadyBird.jpg", 20)]
random.seed(7)
index = 0
for name, count in scenes:
    src = Image.open(f"{corpus}/{name}").convert("RGB")
    sw, sh = src.size
    # The largest 16:9 window of the photograph; the framing zooms in to 1/1.12 of it and drifts across.
    bw = min(sw, sh * 16 / 9)
    bh = bw * 9 / 16
    for k in range(count):
        t = k / max(1, count - 1)
        zoom = 1 + 0.12 * t
        cw, ch = bw / zoom, bh / zoom
        x0 = (sw - cw) * (0.15 + 0.7 * t)
        y0 = (sh - ch) * (0.5 + 0.3 * math.sin(2 * math.pi * t))
        frame = src.resize((W, H), Image.LANCZOS, box=(x0, y0, x0 + cw, y0 + ch))
        # Daylight: brightness follows a slow wave over the whole sequence, plus a little flicker.
        light = 0.9 + 0.12 * math.sin(2 * math.pi * index / N) + random.uniform(-0.02, 0.02)
        frame = ImageEnhance.Brightness(frame).enhance(light)
        # Sensor noise (σ≈2): luma noise centred on 128, added around zero.
        noise = Image.effect_noise((W, H), 2).convert("RGB")
        frame = ImageChops.add(frame, noise, 1.0, -128)
        frame.save(f"{out}/frame-{index:04d}.jpg", quality=90, subsampling="4:2:0")
        index += 1
PY
  echo "$recipe" >"$FRAMES/.recipe"
fi

# 3. Build.
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build -c release --product timelapser >&2; fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"

# 4. Server (SQLite) with one camera and timelapse holding the 120 frames, one minute apart.
rm -rf "$work"
mkdir -p "$work/data" "$work/anchors"
port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
"$BIN" serve --data-dir "$work/data" --port "$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done

# 5. Measure (the driver seeds, waits for the thumbnails, then alternates the contenders).
"$PY" - "$port" "$server" "$root/$FRAMES" "$work" "$RUNS" "$ANCHOR_NICE" "$(nproc)" <<'PY'
import glob, http.client, json, os, re, statistics, subprocess, sys, threading, time
from datetime import datetime, timedelta, timezone

port, server_pid, frames_dir, work, runs, anchor_nice, cores = sys.argv[1:]
server_pid, runs, anchor_nice = int(server_pid), int(runs), int(anchor_nice)
frames = sorted(glob.glob(f"{frames_dir}/*.jpg"))
FPS, CRF, PRESET, SIZE = 24, 23, "veryfast", (1920, 1080)

conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)

def call(method, path, body=None, content_type="application/json"):
    conn.request(method, path, body=body, headers={"Content-Type": content_type} if body is not None else {})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"{method} {path}: {response.status} {data[:300]!r}")
    return data

def api(method, path, payload=None):
    return json.loads(call(method, path, None if payload is None else json.dumps(payload)))["data"]

# Seed: camera, timelapse started an hour before the first frame, 120 captures one minute apart.
start = datetime(2026, 1, 1, 6, 0, tzinfo=timezone.utc)
iso = lambda d: d.isoformat().replace("+00:00", "Z")
camera = api("POST", "/api/cameras", {"name": "bench-video"})
timelapse = api("POST", f"/api/cameras/{camera['id']}/timelapses", {"started_at": iso(start - timedelta(hours=1))})
for i, path in enumerate(frames):
    at = iso(start + timedelta(minutes=i))
    with open(path, "rb") as f:
        json.loads(call("POST", f"/api/cameras/{camera['id']}/captures?captured_at={at}", f.read(), "image/jpeg"))
deadline = time.time() + 900
while time.time() < deadline:
    queue = api("GET", "/api/health")["queue"]
    if queue["pending"] == 0 and queue["processing"] == 0:
        break
    time.sleep(0.2)
else:
    sys.exit("thumbnail queue did not drain")
print(f"seeded {len(frames)} frames of 3840×2160 ({sum(map(os.path.getsize, frames)) / 1e6:.0f} MB), thumbnails done",
      file=sys.stderr)

def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None

def children(pid):
    found = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    found.update(int(c) for c in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return found

def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""

class Sampler(threading.Thread):
    """Polls the server's VmRSS and its ffmpeg child's VmHWM every 20 ms."""
    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.server_rss = 0
        self.ffmpeg_hwm = 0
    def run(self):
        ffmpeg = None
        while not self.stop.is_set():
            self.server_rss = max(self.server_rss, status_kb(server_pid, "VmRSS") or 0)
            if ffmpeg is None or comm(ffmpeg) != "ffmpeg":
                ffmpeg = next((c for c in children(server_pid) if comm(c) == "ffmpeg"), None)
            if ffmpeg is not None:
                self.ffmpeg_hwm = max(self.ffmpeg_hwm, status_kb(ffmpeg, "VmHWM") or 0)
            self.stop.wait(0.02)

def cpu_seconds(pid):
    """utime + stime of the process and of its waited-for children (the server reaps its ffmpeg)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick

def reset_hwm():
    try:
        with open(f"/proc/{server_pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False

settings = {"name": "bench", "fps": FPS, "resolution": "1080p", "codec": "h264", "quality": CRF, "preset": PRESET}

def ours(n):
    can_reset = reset_hwm()
    sampler = Sampler()
    sampler.start()
    cpu0 = cpu_seconds(server_pid)
    t0 = time.monotonic()
    video_id = api("POST", f"/api/timelapses/{timelapse['id']}/videos", settings)["video_id"]
    while True:
        video = api("GET", f"/api/videos/{video_id}")
        if video["status"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.02)
    wall = time.monotonic() - t0
    cpu1 = cpu_seconds(server_pid)
    sampler.stop.set()
    sampler.join()
    if video["status"] != "completed":
        sys.exit(f"render {video_id} {video['status']}: {video.get('error')}")
    hwm = status_kb(server_pid, "VmHWM") if can_reset else None
    server_kb = max(hwm or 0, sampler.server_rss)
    out = f"{work}/ours-{n}.mp4"
    with open(out, "wb") as f:
        f.write(call("GET", f"/api/videos/{video_id}/file"))
    return {"wall": wall, "server_seconds": video["render_seconds"],
            "cpu": cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1], "server_cpu": cpu1[0] - cpu0[0], "ffmpeg_cpu": cpu1[1] - cpu0[1], "rss_kb": server_kb, "ffmpeg_kb": sampler.ffmpeg_hwm,
            "frames": video["frame_count"], "size": video["size_bytes"], "file": out, "hwm_reset": can_reset}

def anchor(kind, n, scale_flags=None):
    out = f"{work}/anchors/{kind}-{n}.mp4"
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-framerate", str(FPS)]
    if kind == "lowres":
        cmd += ["-lowres", "1"]
    cmd += ["-pattern_type", "glob", "-i", "*.jpg", "-vf", f"scale={SIZE[0]}:{SIZE[1]}{':flags=' + scale_flags if scale_flags else ''},format=yuv420p",
            "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), out]
    if anchor_nice:
        cmd = ["nice", "-n", str(anchor_nice)] + cmd
    t0 = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=frames_dir, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"{kind} anchor failed: {proc.stderr[-1000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", proc.stderr).group(1)) for k in ("User", "System"))
    return {"wall": wall, "cpu": cpu, "rss_kb": rss, "frames": len(frames), "size": os.path.getsize(out), "file": out}

def ssim(a, b):
    proc = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", a, "-i", b, "-lavfi", "ssim", "-f", "null", "-"],
                          capture_output=True, text=True)
    match = re.search(r"SSIM Y:([\d.]+).*U:([\d.]+).*V:([\d.]+).*All:([\d.]+)", proc.stderr)
    if not match:
        sys.exit(f"ssim failed: {proc.stderr[-500:]}")
    return {k: float(v) for k, v in zip("YUVA", match.groups())}

def ssim_vs_source(files):
    """Each MP4 against the uncompressed frames of the plain anchor's own filter chain (scale, format=yuv420p)."""
    names = list(files)
    cmd = ["ffmpeg", "-nostdin", "-hide_banner"]
    for name in names:
        cmd += ["-i", files[name]]
    cmd += ["-framerate", str(FPS), "-pattern_type", "glob", "-i", "*.jpg"]
    refs = "".join(f"[r{i}]" for i in range(len(names)))
    graph = f"[{len(names)}:v]scale={SIZE[0]}:{SIZE[1]},format=yuv420p,split={len(names)}{refs}"
    for i, name in enumerate(names):
        graph += f";[{i}:v][r{i}]ssim@{name}[o{i}]"
    cmd += ["-filter_complex", graph]
    for i in range(len(names)):
        cmd += ["-map", f"[o{i}]"]
    proc = subprocess.run(cmd + ["-f", "null", "-"], cwd=frames_dir, capture_output=True, text=True)
    found = dict(re.findall(r"\[ssim@(\w+) @ [^]]*\] SSIM .*All:([\d.]+)", proc.stderr))
    return {name: float(found[name]) if name in found else float("nan") for name in names}

def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]

results = {"ours": [], "plain": [], "lowres": []}
load_before = loadavg()
for n in range(runs):
    results["ours"].append(ours(n))
    results["plain"].append(anchor("plain", n))
    results["lowres"].append(anchor("lowres", n))
    print(f"run {n + 1}/{runs}: ours {results['ours'][-1]['wall']:.2f} s (server {results['ours'][-1]['server_seconds']:.2f} s), "
          f"plain {results['plain'][-1]['wall']:.2f} s, lowres {results['lowres'][-1]['wall']:.2f} s", file=sys.stderr)

load_after = loadavg()
if any(r["frames"] != len(frames) for r in results["ours"]):
    print(f"warning: a render used {[r['frames'] for r in results['ours']]} frames, not {len(frames)}", file=sys.stderr)
med = lambda kind, key: statistics.median(r[key] for r in results[kind])
peak = lambda kind, key: max(r[key] for r in results[kind])
s_ours = ssim(results["ours"][0]["file"], results["plain"][0]["file"])
s_lowres = ssim(results["lowres"][0]["file"], results["plain"][0]["file"])
# Calibration, not timed: ffmpeg's own command with only the scaler changed (flags=lanczos) against the plain one.
s_lanczos = ssim(anchor("lanczos", 0, "lanczos")["file"], results["plain"][0]["file"])
s_source = ssim_vs_source({k: results[k][0]["file"] for k in results})
faster = min(("plain", "lowres"), key=lambda k: med(k, "wall"))
speedup = med(faster, "wall") / med("ours", "wall")
server_mb, ffmpeg_mb = peak("ours", "rss_kb") / 1024, peak("ours", "ffmpeg_kb") / 1024
walls = lambda kind: ", ".join("%.2f" % r["wall"] for r in results[kind])
verdict = lambda ok: "met" if ok else "NOT met"
n = len(frames)
lines = [
    f"{n} frames 3840×2160 JPEG q90 → 1920×1080 H.264 (libx264 -preset {PRESET} -crf {CRF}, {FPS} fps, yuv420p limited range); "
    f"{cores} cores; median of {runs} alternating runs; anchors under nice -n {anchor_nice}"
    + ("" if anchor_nice else " (normal priority)") + f"; 1-minute load average {load_before} before, {load_after} after; "
    "peak RSS is the highest of the runs",
    "",
    "| contender | wall s | fps | CPU s (user+sys) | peak RSS MB | MP4 MB | speed-up vs faster anchor (wall) | CPU vs faster anchor |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
def row(name, kind, rss, extra=""):
    w = med(kind, "wall")
    c = med(kind, "cpu")
    lines.append(f"| {name} | {w:.2f} | {n / w:.1f} | {c:.1f} | {rss} | {med(kind, 'size') / 1e6:.1f} | "
                 f"{med(faster, 'wall') / w:.2f}× | {c / med(faster, 'cpu'):.2f}× |")
row("timelapser (API: POST → completed)", "ours",
    f"{server_mb:.0f} server + {ffmpeg_mb:.0f} ffmpeg = {server_mb + ffmpeg_mb:.0f}")
row("ffmpeg plain (scale, format=yuv420p)", "plain", f"{peak('plain', 'rss_kb') / 1024:.0f}")
row("ffmpeg -lowres 1", "lowres", f"{peak('lowres', 'rss_kb') / 1024:.0f}")
lines += [
    "",
    f"server-side render_seconds (median): {med('ours', 'server_seconds'):.2f} s; ours' CPU: server (decode, conversion, "
    f"pipe) {med('ours', 'server_cpu'):.1f} s + ffmpeg/x264 {med('ours', 'ffmpeg_cpu'):.1f} s",
    f"all runs, ours: {walls('ours')} s; plain: {walls('plain')} s; lowres: {walls('lowres')} s",
    f"server RSS: {'VmHWM reset before each render' if results['ours'][0]['hwm_reset'] else 'polled VmRSS (VmHWM could not be reset)'}; "
    f"ffmpeg child: VmHWM polled every 20 ms",
    f"SSIM vs plain ffmpeg: ours All {s_ours['A']:.4f} (Y {s_ours['Y']:.4f} U {s_ours['U']:.4f} V {s_ours['V']:.4f}); "
    f"-lowres 1 All {s_lowres['A']:.4f}; calibration: the plain command with scale flags=lanczos All {s_lanczos['A']:.4f}",
    f"SSIM vs the uncompressed source (the plain chain's scale + format=yuv420p frames): ours {s_source['ours']:.4f}, "
    f"plain {s_source['plain']:.4f}, -lowres 1 {s_source['lowres']:.4f}",
    "",
    f"target speed ≥ 1.3× the faster anchor ({faster}): {speedup:.2f}× — {verdict(speedup >= 1.3)}",
    f"target SSIM ≥ 0.98 vs plain: {s_ours['A']:.4f} — {verdict(s_ours['A'] >= 0.98)}",
    f"target peak RSS < 500 MB: server {server_mb:.0f} MB — {verdict(server_mb < 500)}; "
    f"with its ffmpeg child {server_mb + ffmpeg_mb:.0f} MB — {verdict(server_mb + ffmpeg_mb < 500)}",
]
text = "\n".join(lines)
print(text)
with open(f"{work}/results.md", "w") as f:
    f.write(text + "\n")
with open(f"{work}/results.json", "w") as f:
    json.dump(results, f, indent=1)
PY
