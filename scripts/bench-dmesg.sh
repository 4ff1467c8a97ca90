#!/bin/bash
# Benchmarks `coroner dmesg` against vmcore-dmesg and `makedumpfile --dump-dmesg` on
# the same dumps, in one run: best wall time of N runs (nanosecond clock) and peak
# RSS (/usr/bin/time) of each tool, and the ratios. A tool that cannot read a dump
# is reported as failing. `coroner --version` is timed too: the process start-up
# that every coroner run pays, whatever the dump.
#   scripts/bench-dmesg.sh [-n RUNS] DUMP...
# Uses the release build (.build/release/coroner; built if missing).
set -u
runs=5
if [ "${1:-}" = "-n" ]; then runs=$2; shift 2; fi
root=$(cd "$(dirname "$0")/.." && pwd)
coroner="${CORONER:-$root/.build/release/coroner}"
[ -x "$coroner" ] || (cd "$root" && swift build -c release >/dev/null) || exit 70
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure CMD...: prints "best_ms peak_mb", or "fail".
measure() {
  local best="" peak=0 start end ms
  for _ in $(seq 1 "$runs"); do
    rm -f "$tmp/out"
    start=$(date +%s%N)
    if ! "$@" >"$tmp/stdout" 2>/dev/null; then echo fail; return; fi
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  /usr/bin/time -f "%M" -o "$tmp/rss" "$@" >/dev/null 2>&1
  peak=$(tail -1 "$tmp/rss")
  awk -v us="$best" -v kb="$peak" 'BEGIN { printf "%.1f %.1f\n", us / 1000, kb / 1024 }'
}
show() { [ "$1" = fail ] && echo "fails" || echo "$1" | awk '{ printf "%.1f ms %.1f MB", $1, $2 }'; }
ratio() {
  if [ "$1" = fail ] || [ "$2" = fail ]; then echo "-"; return; fi
  echo "$1 $2" | awk '{ split($0, a, " "); printf "%.2f", a[3] / a[1] }'
}

echo "coroner start-up (--version): $(show "$(measure "$coroner" --version)")"
printf '%-16s %6s  %-18s %-18s %-18s %s\n' dump size coroner vmcore-dmesg makedumpfile "time ratio (other / coroner)"
for dump in "$@"; do
  size=$(du -h --apparent-size "$dump" | cut -f1)
  c=$(measure "$coroner" dmesg "$dump")
  v=$(measure vmcore-dmesg "$dump")
  m=$(measure makedumpfile --dump-dmesg "$dump" "$tmp/out")
  printf '%-16s %6s  %-18s %-18s %-18s vmcore-dmesg %s, makedumpfile %s\n' "$(basename "$dump")" "$size" \
    "$(show "$c")" "$(show "$v")" "$(show "$m")" "$(ratio "$c" "$v")" "$(ratio "$c" "$m")"
done
echo "(a ratio above 1 means coroner is faster; peak memory is the maximum resident set)"
