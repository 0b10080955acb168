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
command -v vips >/dev/null || { echo "needs the vips command-line tool (libvips-tools)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/timelapser-bench-maint.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Two real JPEGs: a 200×150 thumbnail and an 800×600 small.
vips gaussnoise "$WORK/noise.v" 800 600 --mean 128 --sigma 40
vips gaussblur "$WORK/noise.v" "$WORK/blur.v" 4
vips copy "$WORK/blur.v" "$WORK/small.jpg[Q=85]"
vips resize "$WORK/blur.v" "$WORK/thumb.v" 0.25
vips copy "$WORK/thumb.v" "$WORK/thumb.jpg[Q=80]"

seed() {  # seed DATA_DIR ROWS WITH_FILES
    local data=$1 rows=$2 files=$3
    mkdir -p "$data"
    "$BIN" thumbnails stats --data-dir "$data" >/dev/null 2>&1   # creates and migrates the catalogue
    python3 - "$data" "$rows" "$files" "$WORK/thumb.jpg" "$WORK/small.jpg" <<'PY'
import os, sqlite3, sys, time
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
            rest = "day%03d_%02d%02d%02d.jpg" % (k // 86400 + 1, (k % 86400) // 3600, (k % 3600) // 60, k % 60)
            os.link(source, os.path.join(d, f"timelapse-1_{tag}_{rest}"))
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
