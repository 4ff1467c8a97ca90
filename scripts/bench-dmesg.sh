#!/bin/bash
# Benchmarks `coroner dmesg` against vmcore-dmesg and `makedumpfile --dump-dmesg` on
# the same dumps, in one run: best wall time of N runs and peak RSS of each tool,
# and the ratios. A tool that cannot read a dump is reported as failing.
#   scripts/bench-dmesg.sh [-n RUNS] DUMP...
# Uses the release build (.build/release/coroner; built if missing).
set -u
runs=5
if [ "${1:-}" = "-n" ]; then runs=$2; shift 2; fi
root=$(cd "$(dirname "$0")/.." && pwd)
coroner="$root/.build/release/coroner"
[ -x "$coroner" ] || (cd "$root" && swift build -c release >/dev/null) || exit 70
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best_of CMD...: prints "seconds peak_kb" (best time, max RSS) or "fail".
best_of() {
  local best="" peak=0
  for _ in $(seq 1 "$runs"); do
    rm -f "$tmp/out"
    if ! /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/stdout" 2>/dev/null; then
      echo fail; return
    fi
    read -r t m <"$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$peak" ] && peak=$m
  done
  echo "$best $peak"
}

printf '%-28s %9s %-22s %-22s %-22s %s\n' dump size coroner vmcore-dmesg makedumpfile ratios
for dump in "$@"; do
  size=$(du -h --apparent-size "$dump" | cut -f1)
  c=$(best_of "$coroner" dmesg "$dump")
  v=$(best_of vmcore-dmesg "$dump")
  m=$(best_of makedumpfile --dump-dmesg "$dump" "$tmp/out")
  fmt() { [ "$1" = fail ] && echo "fails" || echo "$1" | awk '{printf "%.3fs %dMB", $1, $2/1024}'; }
  ratio() {
    [ "$1" = fail ] || [ "$2" = fail ] && { echo "-"; return; }
    echo "$1 $2" | awk '{ if ($1 == 0) $1 = 0.001; printf "%.2fx", $2 / $1 }'
  }
  printf '%-28s %9s %-22s %-22s %-22s vs vmcore-dmesg %s, vs makedumpfile %s\n' "$(basename "$dump")" "$size" \
    "$(fmt "$c")" "$(fmt "$v")" "$(fmt "$m")" "$(ratio "$c" "$v")" "$(ratio "$c" "$m")"
done
echo "(ratios: the other tool's best time divided by coroner's; above 1 means coroner is faster;"
echo " /usr/bin/time has 10 ms resolution, so times under that read as 0)"
