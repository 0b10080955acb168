#!/usr/bin/env bash
# Maintenance benchmark: verify, repair, cleanup dry-run and stats on a seeded SQLite catalogue.
#
#   scripts/bench-maintenance.sh                 # 100,000 rows with files, then stats at 1,000,000 rows
#   ROWS=20000 BIG_ROWS=200000 scripts/bench-maintenance.sh
#   DEEP=1 scripts/bench-maintenance.sh          # also time verify --deep (decodes every file)
#
# Rows are inserted with one INSERT…SELECT over a recursive CTE (python3's sqlite3 against the migrated file);
# every row's thumbnail and small are hard links of two real JPEGs made by `vips`, so 100,000 images cost
# 200,000 directory entries and almost no disk. 10 % of the rows have NULL paths while their files exist:
# the orphans repair links back. Timings are the service's own (printed by the CLI on standard error).
set -euo pipefail

ROWS=${ROWS:-100000}
BIG_ROWS=${BIG_ROWS:-1000000}
cd "$(dirname "$0")/.."
BIN=${TIMELAPSER_BIN:-.build/release/timelapser}
if [[ ! -x "$BIN" ]]; then
    swift build -c release --product timelapser >&2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/timelapser-bench-maint.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Two real JPEGs: a 200×150 thumbnail and an 800×600 small, made by `vips` when it is installed; otherwise the
# embedded 200×150 thumbnail (3.3 KB, libvips Q80) stands in for both.
THUMB_B64='/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/wAALCACWAMgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AGvhlUZ6U+SSGEKCBuNOkDSopH3etSCZFjwp5pdgaMPnFVZ3ZCMdKfFGHX2PWoLmHZgYyhpYAtu4aPrWhJcvKuWbpUEU4kJQdO9Z0tmouCQOKtxXbonlAYUVC8QnOWP4UrKI0IH5VY0uNlLOTgelRyrJJK+W4oUKIyJOTSwTKrbcYJqaQLt5OSahkhUIe+aNOt0+YIME0t1axwjceWqtGu9gec1pWwWLl+lVhBhm5yBVUr5k3zn6Vakl+zqEJ4NEOwSA9c1ckwSqjhagvTGFx1qCLeFyPu08kykKelNMaofU1JEoVS0h4NRwwsHZ1+7UgA3561PMsW0EAZqlJt+8vGKIgrnJqwvDDBwtOmjyMr0qmVBbHcU1oi7gjjFWNqsvJ5FSPtWHrk1DauYSXoeffJukGVqQtEeU4qlczSscA8CiC5eOACQcmrdpGrsHbpS3UaTzfSoMEsViHSnwuzvtkPIqzDGkrFSM47066RII+GH0rN85kbLjAPSpICZOf1qwVDJtY0SzbYRGlRTBliBXrUayNgEnNW4oBN7CpbZIgzJjmql0pWb5TxToJ2kbZ6VK6Rx/MeTTIUMrFgCBTZU+Vtv3hVe2kwT5pqfy9wJP3abGVZSpHFQmJmlwhODVkwraJvk+amTxCYg4wKnwVQBO1QlmDEgU+2Yru+Xk0GMjLY5p9tJ5SknqapzgyS53cVaaOGaAAj5hU0EKxw4piqCx9KqMGeXCdAatTFRb8kZqnFFI4yBxVy1YqSvU05F2uT3phUsSTUUeyNiB941LJjAzyasQuMYwBxVSaT96QO9Mnt/lBH3qlt1fAEo+Wi8QLGPL60tqu2Es/BpS/nJsxnNRyP8AvycYSpg6uuUqrKWbIXrSQvIjYcVaaQsOKaEDxMQfmqtEBu2ueadOCkoEfIq4mWj4qvMQg+Vue9REvtzFQYpJI8saWKVo8Ifu06KYJKSBSvIfM3npVmErMPSql5avHICh4pZNxiAXrS8qF5570yceYwKHBFVXkuBIMZIFXEuWZcPTopBI2PSpZblQRHigRCNw2cA0+6jVkJBFRwgJFz3qGND9o5PFXpLYFdzEA1Qh+S4Kk5FPCESsFNVLn5G6/NTrWUlsv1q/vbadg61SaB/MJc8Gp/KaGPIPFKs4C4kPBp0kIaLenIqGIxtn+8KcsZYEnpTYSfMwvGKln8xuhzSW24vh6ZPnzcR809IlVcsealtTGhIkGQapXwImPljiktMk+9XIEjaX5uWpbhwTsxz2qnKkpn2hvlFSPHKQAc4FOLBSoXlqs3CvJEAG5qqlvJGCx5NETgP833qL6IMu5etMtIQw+Y4NSMXU7U6Uqu0jbWPSpJ3URhFqrcxgxDnmm288gTyu1SR27I+4dDUkcgWU7m49KVYmaQunSpIzsY7jUEk+6YBBj3p5UKcg8mlYhlxmlgIX/WDgU6YLODsHSoLaJxuOOlQRNJ9pPsatsryNkD5qrwM0jAg1enkRAFJ5Iqpb7kmJIyKswl5Jc+lMuJW80AdKbKigbjwab9pjZQOtKVyu5eKZCrMDk80xd0TndTV8yV+mBVgqCCO4qtGgEhyatsxWP5TkVV8kFt+4mrBmKKAuaiPmdWBpscLseODQ1tMpJJyKW3jkYNUhYhAGq/DJEkPyj5iKj+1RplTjJqC2jRpWbPGatNKm0iPgis91WOULEcj1qyYQzqz1YEaKc5HSo9/lBiO9VY3UZL9TTJ2DJtJ60+O1AiBFNlDJjbyKfDGzDdnHtUMpkMmMcVJbliWB4xRbqZGcHNRp8s+1xxVqSEBTtPBqCGMhG74oBLDlcEUvnFmEeM0+4RhgocU+B22FX5NRB2jDDGBUe4SkCpJztZQDiqphYykseDWjBCIIC5Oc1UiZnlYLwDTzEkah42yBUwl89RtPSqssjhiSTxU8cjNCSw4qKGEsS7/dpHjWTlTkip4jIIj5nAp8aB4yc1XDMkmFORVoONuSBmopBsQuKS1k2IWZetRmRXLbV5piyyONuDUyT+SNrLnNPuHLxbkXFVbWNixc9adNN5R+Y5NTxSfug+KNxm4xgGmtEsD9eahkjd5AxzirL2rTQ5Q4xUM1x5MHlvzToypjVo+tRRjcNo4U1PGgiPymnyRhualwqR8kYqFrmPaVA4qpGGEhdAdoqV5GugVXjFFvHIh2sTinNmJySKFQt8x6VLG2QVbpSSAGMgdqqpkcKOauREJHyuDUvlI0e5sVXlYhSi9KLKRVUqRkmoL6FVOT1NEO/wAkg9KIZBvC7sGrc0YcA9xUTzAIVpLa8MY2HoabdpHIp9abYwbR97irloImDRMQGFUot32toycgVbmjwmd1QYLIcngVTlmXJCCp7J2IKkcVNBII5ThelOacmTKioJi0pO44xRDcBgUPAFSJvDf7NShSx4qTYIVLHBqAy+ah7Cq7PLt2qTipYCrqUz89CxPC+ccVNMPOQEkcVF5b8BT8veqc0IFx8h+YVZgmlDFXwB61HPGS2V6UqW4dcjrTniwuM0gOxCQTUog3SNKjEE1EiFJGLdTU8SGRWEjYFKQAhjXketVZYIzwvDUsXmRrgD8amtHy7bxTDnzm2cinsodTxyKggCvMEAPB5rRuZEhUKBUCShxhTTJGcDb1oMJ2gg/hUi4UciorfAnLY5q7uViQ/FUriPLYjf8ACpI0dV2g81TlGy44696musSRDacGprfYItrHLYqNNySlQODTpTtfDDg0kgSMbvXtVmUKNwTj0qEPhdrLz61DPKpG0HmiFxHGepNTqIzFvcYNRSOQMoPlpI8NGT0NTIoij3Kcmo47kCT5hxU0bRNIWiXmoZ5lZisg5FJAo25WpJm3KNvaktQXfrU1wjelVt+yUYFNupjFKGI4pkbeZMHQH6VZkZkfd0FQeWZZckYFLMqhgBUttHzufpT5WVmJUdKgt5Wech0+UU3UdpPWnB288g9KtrKgUiQc9qrQWyyXBZvu1auPIiAVRk1WcvJjA+WoDuMmzoDU9smxyG5FOkZUb/ZpYYY52JY4FNuUFuMxVUgjZ3LyVo2wSQ4PCimXYVciLkUQNsi6c+tMuJX8vg1T3hQHJp4DXDDjINWfIaBRtFKZlkGG4IqKSfcNkY5qJTscCTrV1VYoSDxSwKOT1NL50aHaF5qKSBJ5Nx+73pJWQ3AZcbaZLIhkxTLiV4sbTwajE3mLk9qvwzjyRgZNUbhy0uelWI5PLj3NzTJj5q7hwKjhdgdp6VZnG6CqsDkjaOtWWuFih2MMMaqtI5Hy/dqZGcx47U5Pu7TSXlqrwgJUtgnkqFYcVJc3IDbVxUH2fKl89aWzREkJbrUNziWYn0qSMsEGDxUi4U7kNRyFZMkHDVFCzBGGaDA6rk9ahWJpm4OCKd5b78McgUsAzIUxVyOMRHk1m3Ejm66fLWgm1YcuuRikimSceWi4AonxGBgc1FcTEQ4HU1BaB1YMwPNWryBJQrA80GLbBjHNRxswQjqaW3EiEvMOO1W1lRoyAOTSR5BO88GosQkthvmqt5kiyYOdtT7snK/jSTRFk3R9aYx8uMBjzSjLx/IaSGE85bmmSwypnbwtI88hkKjmpNwiiLNw1LBI8ikgdKIJGWUllqwZgzjcKAibixGaelyhUxMnBpfKSFcxis55Xe52hTjNTywEMpb8qjWcBygXNPaQKQT+VXLj54VxxUMKrECzc1KziaPnAFPt4owuWxUFwVYkA9KgS3D4YcEUrkZ2MPxpFUxcA8Gl/eIh5ojt3miLNUZxAu3rQGCjdup81zviCVHHFtTOeTUVy2UxV3S90sZAIGKJ5QWKY5HemI4PbkVFcXRDAKMVbtwHwSKdNJt+TFMtpVlk2qmCO9KhMt1sai9jjtn3KvNVmIfEhH4U57rcFGMVNNF5dt5hOQR0qG2UyADOAaluFZCFBqFZgONvNEU5NwqDgGti4s444hIRk4zWMZfOlOMgLUkUwkkEZFWbkm3TYp4NZEjncQeTUi4aEkjpU2nqkzBCOtf/2Q=='
if command -v vips >/dev/null; then
    vips gaussnoise "$WORK/noise.v" 800 600 --mean 128 --sigma 40
    vips gaussblur "$WORK/noise.v" "$WORK/blur.v" 4
    vips copy "$WORK/blur.v" "$WORK/small.jpg[Q=85,strip]"
    vips resize "$WORK/blur.v" "$WORK/thumb.v" 0.25
    vips copy "$WORK/thumb.v" "$WORK/thumb.jpg[Q=80,strip]"
else
    echo "$THUMB_B64" | base64 -d > "$WORK/thumb.jpg"
    cp "$WORK/thumb.jpg" "$WORK/small.jpg"
fi

seed() {  # seed DATA_DIR ROWS WITH_FILES
    local data=$1 rows=$2 files=$3
    mkdir -p "$data"
    "$BIN" thumbnails stats --data-dir "$data" >/dev/null 2>&1   # creates and migrates the catalogue
    python3 - "$data" "$rows" "$files" "$WORK/thumb.jpg" "$WORK/small.jpg" <<'PY'
import os, shutil, sqlite3, sys, time
data, rows, files, thumb, small = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
db = sqlite3.connect(os.path.join(data, "timelapser.sqlite"))
start = 1772352000.0
db.execute("INSERT INTO cameras (id, name, capture_interval_seconds, generate_thumbnails, created_at) VALUES (1, 'bench', 1, 1, ?)", (start,))
db.execute("INSERT INTO timelapses (id, camera_id, name, status, started_at, created_at) VALUES (1, 1, 'bench', 'running', ?, ?)", (start, start))
base = "cameras/camera-1/timelapse-1"
t0 = time.time()
db.execute(f"""
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < {rows}),
named AS (SELECT k, printf('day%03d_%02d%02d%02d.jpg', k / 86400 + 1, (k % 86400) / 3600, (k % 3600) / 60, k % 60) AS rest FROM n)
INSERT INTO images (timelapse_id, camera_id, file_path, captured_at, day_number, file_size, width, height,
                    thumbnail_path, small_path, thumbnail_size, small_size, thumbnail_generation, small_generation, created_at)
SELECT 1, 1, '{base}/frames/timelapse-1_' || rest, {start} + k, k / 86400 + 1, 500000, 1920, 1080,
       CASE WHEN k % 10 = 0 THEN NULL ELSE '{base}/thumbnails/timelapse-1_thumb_' || rest END,
       CASE WHEN k % 10 = 0 THEN NULL ELSE '{base}/smalls/timelapse-1_small_' || rest END,
       CASE WHEN k % 10 = 0 THEN NULL ELSE {os.path.getsize(thumb)} END,
       CASE WHEN k % 10 = 0 THEN NULL ELSE {os.path.getsize(small)} END,
       1, 1, {start}
FROM named""")
db.execute("""UPDATE timelapses SET
    image_count = (SELECT COUNT(*) FROM images WHERE timelapse_id = 1),
    frame_bytes = (SELECT SUM(file_size) FROM images WHERE timelapse_id = 1),
    thumbnail_count = (SELECT COUNT(thumbnail_path) FROM images WHERE timelapse_id = 1),
    small_count = (SELECT COUNT(small_path) FROM images WHERE timelapse_id = 1),
    thumbnail_bytes = (SELECT COALESCE(SUM(thumbnail_size), 0) FROM images WHERE timelapse_id = 1),
    small_bytes = (SELECT COALESCE(SUM(small_size), 0) FROM images WHERE timelapse_id = 1)
    WHERE id = 1""")
db.commit()
db.execute("ANALYZE")
db.close()
print(f"  {rows} rows in {time.time() - t0:.1f} s", file=sys.stderr)
if files:
    t0 = time.time()
    for folder, tag, source in (("thumbnails", "thumb", thumb), ("smalls", "small", small)):
        d = os.path.join(data, base, folder)
        os.makedirs(d, exist_ok=True)
        for k in range(rows):
            if k % 50000 == 0:  # a fresh copy before the file system's link limit (65,000 on ext4)
                origin = os.path.join(os.path.dirname(source), f"{tag}-{k}.jpg")
                shutil.copyfile(source, origin)
            rest = "day%03d_%02d%02d%02d.jpg" % (k // 86400 + 1, (k % 86400) // 3600, (k % 3600) // 60, k % 60)
            os.link(origin, os.path.join(d, f"timelapse-1_{tag}_{rest}"))
    print(f"  {2 * rows} variant files (hard links) in {time.time() - t0:.1f} s", file=sys.stderr)
PY
}

timed() {  # timed LABEL CMD… — prints the service's own time (CLI stderr) and the wall time of the process
    local label=$1; shift
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$("$@" 2>&1 >"$WORK/last.json")
    t1=$(date +%s.%N)
    printf '%-28s %s   (process wall %.2f s)\n' "$label" "$out" "$(echo "$t1 - $t0" | bc)"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "seeding $ROWS rows with files…"
D="$WORK/data-$ROWS"
seed "$D" "$ROWS" 1
timed "verify ($ROWS rows)" "$BIN" thumbnails verify --json --data-dir "$D"
python3 - "$WORK/last.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  {r['total_images']} images, {r['valid_thumbnails']} thumbnails and {r['valid_smalls']} smalls valid, "
      f"{r['elapsed_seconds']:.3f} s → {r['total_images'] / r['elapsed_seconds']:.0f} images/s")
PY
timed "cleanup --dry-run" "$BIN" thumbnails cleanup --dry-run --json --data-dir "$D"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"  orphans {r['orphaned_files_found']}, matchable {r['matchable_files']}\")" "$WORK/last.json"
timed "repair" "$BIN" thumbnails repair --json --data-dir "$D"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"  matched {r['files_matched']}, deleted {r['files_deleted']}, rows {r['database_records_updated']}\")" "$WORK/last.json"
if [[ ${DEEP:-0} == 1 ]]; then  # decodes every file: minutes at 100,000 rows on two cores
    timed "verify --deep ($ROWS rows)" "$BIN" thumbnails verify --deep --json --data-dir "$D"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"  {r['total_images'] / r['elapsed_seconds']:.0f} images/s\")" "$WORK/last.json"
fi
timed "stats ($ROWS rows)" "$BIN" thumbnails stats --json --data-dir "$D"
rm -rf "$D"

echo "seeding $BIG_ROWS rows (no files) for stats…"
D="$WORK/data-$BIG_ROWS"
seed "$D" "$BIG_ROWS" 0
for i in 1 2 3; do
    timed "stats ($BIG_ROWS rows) #$i" "$BIN" thumbnails stats --json --data-dir "$D"
done

# Storage planning at a million frames: the same catalogue, one frame a minute ending now (a camera's two years),
# served by a real server. GET /api/storage reads the aggregates plus a 7-day index range (10,080 rows here);
# the retention preview reads every frame older than the keep-all tier (the daily run's cost).
echo "storage planning on $BIG_ROWS rows (one frame a minute, ending now)…"
python3 - "$D" "$BIG_ROWS" <<'PY'
import os, sqlite3, sys, time
data, rows = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(os.path.join(data, "timelapser.sqlite"))
now = time.time()
db.execute("UPDATE images SET captured_at = ? - (? - id) * 60.0", (now, rows))
db.execute("UPDATE timelapses SET started_at = ?", (now - rows * 60.0 - 60,))
db.commit()
db.execute("ANALYZE")
db.close()
PY
PORT=$((20000 + RANDOM % 20000))
"$BIN" serve --data-dir "$D" --port "$PORT" --workers 1 >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -fs "localhost:$PORT/api/health" >/dev/null && break; sleep 0.2; done
for i in 1 2 3 4 5; do
    curl -fs -o "$WORK/storage.json" -w "GET /api/storage ($BIG_ROWS rows) #$i   %{time_total} s\n" "localhost:$PORT/api/storage"
done
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['data']; print(f\"  {r['totals']['frames']['files']} frames, growth {r['growth_bytes_per_day']} B/day\")" "$WORK/storage.json"
POLICY='{"retention": {"enabled": true, "keep_all_days": 7, "thin_to_per_hour": 2, "thin_days": 30, "per_day": {"count": 1, "near": "12:00"}}}'
for i in 1 2; do
    curl -fs -o "$WORK/preview.json" -H 'Content-Type: application/json' -d "$POLICY" \
        -w "POST /api/retention/preview ($BIG_ROWS rows) #$i   %{time_total} s\n" "localhost:$PORT/api/retention/preview"
done
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['data']; print(f\"  would delete {r['frames_to_delete']} of $BIG_ROWS frames\")" "$WORK/preview.json"
kill $SERVER; wait $SERVER 2>/dev/null || true
