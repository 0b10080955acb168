#!/usr/bin/env bash
# All benchmarks, each beside the anchors measured in the same run. Results are printed and kept in
# .cache/bench/results.txt; the latest figures go in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_DETERMINISTIC_HASHING=1
mkdir -p .cache/bench
results=.cache/bench/results.txt
: > "$results"
exec > >(tee -a "$results") 2>&1

swift build -c release --product timelapser
export BIN=.build/release/timelapser TIMELAPSER_BIN=.build/release/timelapser SKIP_BUILD=1
echo "== $(date -u +%Y-%m-%dT%H:%MZ) machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

echo "== imaging (anchors.py, candidate = timelapser bench imaging)"
scripts/bench-imaging.sh

# A 1920×1080 frame cut from the first photograph of the corpus (the imaging step prepared it).
frame=.cache/bench/frame-1080p.jpg
[ -f "$frame" ] || python3 - "$frame" <<'PY'
import glob, sys
from PIL import Image, ImageOps
src = sorted(glob.glob(".cache/corpus/*.jpg"))[0]
im = ImageOps.fit(Image.open(src).convert("RGB"), (1920, 1080), Image.LANCZOS)
im.save(sys.argv[1], quality=90)
PY

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== queue ceiling: no-op jobs claimed + completed per second (batch 5)"
"$BIN" bench queue --database-url "sqlite://$scratch/queue.sqlite" --jobs 20000 --batch 5 --concurrency 1
"$BIN" bench queue --database-url "sqlite://$scratch/queue2.sqlite" --jobs 20000 --batch 5 --concurrency 4
scripts/with-postgres.sh bash -c '
  "$BIN" bench queue --database-url "$TIMELAPSER_TEST_POSTGRES_URL" --jobs 20000 --batch 5 --concurrency 1
  psql "$TIMELAPSER_TEST_POSTGRES_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
  "$BIN" bench queue --database-url "$TIMELAPSER_TEST_POSTGRES_URL" --jobs 20000 --batch 5 --concurrency 4'

echo "== pipeline: capture → thumbnail_job_completed, pickup, regeneration of 2,000 frames"
"$BIN" bench pipeline --database-url "sqlite://$scratch/pipe.sqlite" --data-dir "$scratch/pipe-data" --frame "$frame"
scripts/with-postgres.sh bash -c '
  "$BIN" bench pipeline --database-url "$TIMELAPSER_TEST_POSTGRES_URL" --data-dir "'"$scratch"'/pipe-pg" --frame "'"$frame"'"'

if [ -x scripts/bench-serving.sh ]; then echo "== serving (wrk, nginx anchor)"; scripts/bench-serving.sh; fi
if [ -x scripts/bench-maintenance.sh ]; then echo "== maintenance"; scripts/bench-maintenance.sh; fi
if [ -x scripts/bench-video.sh ]; then echo "== video render (API vs ffmpeg command lines)"; scripts/bench-video.sh; fi
echo "== WebP companions: bytes against the JPEGs, as written and at equal SSIM"
/usr/bin/python3 scripts/bench-webp.py "$BIN"
if [ -f Tests/browser/bench_player.py ]; then
  echo "== dashboard player in Chromium: frames shown per second, dropped frames, heap (10,000 frames)"
  TIMELAPSER_BIN="$BIN" /usr/bin/python3 Tests/browser/bench_player.py
fi
