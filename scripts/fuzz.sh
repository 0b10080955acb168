#!/usr/bin/env bash
# The imaging fuzzer: builds Tests/Fuzz/ImagingFuzzer with libFuzzer and AddressSanitizer, replays the seed corpus
# (made by scripts/fuzz-seeds.py) and every input kept in Tests/Fuzz/Regressions, then fuzzes.
# Usage: fuzz.sh [SECONDS]   SECONDS per job (default 600; 0: replay only, as `make test` does).
#        FUZZ_JOBS=N         parallel jobs (default: the number of cores); CPU time is SECONDS × N.
# A crash or hang is written to Tests/Fuzz/Regressions/ (commit it with the fix: it is replayed from then on).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
jobs="${FUZZ_JOBS:-$(nproc)}"
swift build --scratch-path .build-fuzz -c release --product ImagingFuzzer \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=address -Xswiftc -use-ld=lld >/dev/null
fuzzer=.build-fuzz/release/ImagingFuzzer
seeds=.build-fuzz/seeds
corpus=.build-fuzz/corpus
regressions=Tests/Fuzz/Regressions
/usr/bin/python3 scripts/fuzz-seeds.py "$seeds" >/dev/null
mkdir -p "$corpus" "$regressions"
options=(-rss_limit_mb=2048 -timeout=10 -malloc_limit_mb=2048)
"$fuzzer" "${options[@]}" -runs=0 "$seeds" "$regressions" 2>.build-fuzz/replay.log || { cat .build-fuzz/replay.log; exit 1; }
echo "fuzz: replayed $(ls "$seeds" | wc -l) seeds and $(ls "$regressions" | wc -l) regressions under AddressSanitizer: ok"
[ "$seconds" -gt 0 ] || exit 0
echo "fuzz: $jobs jobs × ${seconds} s"
pids=()
for job in $(seq 1 "$jobs"); do
  "$fuzzer" "${options[@]}" -max_total_time="$seconds" -artifact_prefix="$regressions/" -print_final_stats=1 \
    "$corpus" "$seeds" >".build-fuzz/job-$job.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for job in $(seq 1 "$jobs"); do
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" ".build-fuzz/job-$job.log" | sed "s/^/job $job: /"
  grep -E "#[0-9]+.*(DONE|pulse)" ".build-fuzz/job-$job.log" | tail -1 | sed "s/^/job $job: /"
done
echo "fuzz: corpus $(ls "$corpus" | wc -l) inputs"
[ "$status" -eq 0 ] || { echo "fuzz: a job found a crash or hang: see .build-fuzz/job-*.log and $regressions/"; exit 1; }
