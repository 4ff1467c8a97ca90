#!/bin/sh
# Builds and runs the libFuzzer target over the KernelLog parser. Leak detection is
# off: the kinds table and its compiled patterns live for the whole process.
#
#   scripts/fuzz-kernellog/build.sh            build only
#   scripts/fuzz-kernellog/build.sh run [SECS] build, then fuzz for SECS seconds (default 60)
#
# The seed corpus is the lab fixtures and a sample of the syzkaller corpus; new
# crashers land in scripts/fuzz-kernellog/crashers/ and are replayed by
# KernelLogTests (FuzzCrasherTests) once copied to Tests/KernelLogTests/Fixtures/fuzz/.
set -eu
cd "$(dirname "$0")/../.."
out=.build/fuzz-kernellog
mkdir -p "$out" scripts/fuzz-kernellog/crashers
# KernelLog's C target (the marker scan's vector step), built as SwiftPM would.
root=$(pwd)
. scripts/fuzz/c-targets.sh
build_c_target CMarkerScan "$out"
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name KernelLogFuzz -I "$out/CMarkerScan" \
  Sources/KernelLog/*.swift scripts/fuzz-kernellog/FuzzKernelLog.swift "$out/CMarkerScan.o" -o "$out/fuzz-kernellog"
echo "built $out/fuzz-kernellog"
[ "${1:-}" = run ] || exit 0
seeds="$out/seeds"
mkdir -p "$seeds" "$out/corpus"
cp Tests/KernelLogTests/Fixtures/lab/*.log "$seeds/"
for f in $(ls ../shared/corpus/syzkaller/report 2>/dev/null | head -80); do
  cp "../shared/corpus/syzkaller/report/$f" "$seeds/syz-$f"
done
status=0
ASAN_OPTIONS=detect_leaks=0 "$out/fuzz-kernellog" -max_total_time="${2:-60}" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 \
  -artifact_prefix=scripts/fuzz-kernellog/crashers/ "$out/corpus" "$seeds" >"$out/run.log" 2>&1 || status=$?
tail -20 "$out/run.log"
exit $status
