#!/usr/bin/env bash
# Imaging benchmark: prepares the photo corpus (Debian's mate-backgrounds JPEGs)
# idempotently, builds the release binary, runs the shared anchors script with
# our `bench imaging` command as the candidate, then measures 1 vs 2 threads and
# peak RSS (2 concurrent jobs on 5640×3172 frames).
#
# Environment:
#   BIN         binary with the `bench imaging` command (default .build/release/timelapser)
#   SKIP_BUILD  set to skip `swift build -c release`
#   REPS        repetitions for anchors.py (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=.cache
CORPUS=$CACHE/corpus
BIG=$CACHE/corpus-big
OUT=$CACHE/bench-out
BIN=${BIN:-.build/release/timelapser}
REPS=${REPS:-3}
ANCHORS=../shared/bench/anchors.py

# 1. Corpus: the .jpg photographs of mate-backgrounds, copied into .cache/corpus.
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
# Memory corpus: eight copies of the largest frame.
if ! ls "$BIG"/*.jpg >/dev/null 2>&1; then
    mkdir -p "$BIG"
    for i in 1 2 3 4 5 6 7 8; do cp "$CORPUS/Elephants_5640x3172.jpg" "$BIG/big$i.jpg"; done
fi

# 2. Tools.
python3 -c 'import PIL, pyvips, numpy' 2>/dev/null || pip install pillow pyvips numpy
[ -x /usr/bin/time ] || apt-get install -y time

# 3. Build.
if [ -z "${SKIP_BUILD:-}" ]; then
    SWIFT_DETERMINISTIC_HASHING=1 swift build -c release --product timelapser
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# 4. Anchors vs candidate (one thread).
python3 "$ANCHORS" --corpus "$CORPUS" --reps "$REPS" \
    --candidate "$BIN bench imaging --corpus {corpus} --out {out} --threads 1"

# 5. Threads and memory.
run() {  # corpus threads -> prints "images seconds peakRSS_kB"
    rm -rf "$OUT"; mkdir -p "$OUT"
    local best="" line rss
    for _ in 1 2 3; do
        line=$(/usr/bin/time -v "$BIN" bench imaging --corpus "$1" --out "$OUT" --threads "$2" 2>"$OUT.time" | tail -1)
        rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$OUT.time")
        best=$(python3 -c "
import json,sys
r=json.loads('$line'); prev='$best'.split()
s=r['seconds']
if prev and float(prev[1]) < s: print('$best')
else: print(r['images'], s, $rss)")
    done
    echo "$best"
}
read -r n1 s1 r1 <<<"$(run "$CORPUS" 1)"
read -r n2 s2 r2 <<<"$(run "$CORPUS" 2)"
read -r nb sb rb <<<"$(run "$BIG" 2)"
python3 - "$n1" "$s1" "$r1" "$n2" "$s2" "$r2" "$nb" "$sb" "$rb" <<'PY'
import sys
n1, s1, r1, n2, s2, r2, nb, sb, rb = sys.argv[1:]
i1, i2 = int(n1) / float(s1), int(n2) / float(s2)
print(f"threads 1: {i1:6.1f} img/s  peak RSS {int(r1)/1024:6.1f} MB")
print(f"threads 2: {i2:6.1f} img/s  peak RSS {int(r2)/1024:6.1f} MB  speed-up {i2/i1:4.2f}x")
print(f"5640x3172 x{nb}, threads 2: {int(nb)/float(sb):5.2f} img/s  peak RSS {int(rb)/1024:6.1f} MB")
PY
