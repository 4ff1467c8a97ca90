#!/bin/sh
# Builds the libFuzzer targets of the kernel-object readers (BTF in Symbols, ORC in
# Kernel) with swiftc -sanitize=fuzzer,address and runs each for a short while.
#   scripts/fuzz-kernel.sh [SECONDS_PER_TARGET]   (default 30)
# Seeds: a BTF blob written by the unit tests' writer (CORONER_WRITE_FUZZ_SEEDS) plus
# whatever is in .build/fuzz/corpus-*; crashes are left as .build/fuzz/crash-* files.
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/fuzz"
mkdir -p "$out"
flags="-sanitize=fuzzer,address -parse-as-library -Onone -swift-version 5"

for module in KernelLog Bytes Codecs Dump Symbols Kernel; do
  swiftc $flags -emit-module -emit-module-path "$out/$module.swiftmodule" -module-name "$module" \
    -I "$out" -I "$root/Sources/CZlib" -wmo -emit-object -o "$out/$module.o" "$root"/Sources/$module/*.swift
done

(cd "$root" && CORONER_WRITE_FUZZ_SEEDS="$out" swift test --disable-swift-testing --filter 'BtfTests|OrcTests' >/dev/null 2>&1) || true

export SWIFT_BACKTRACE=enable=no
status=0
for target in Btf Orc; do
  [ -f "$root/scripts/fuzz/kernel/Fuzz$target.swift" ] || continue
  swiftc $flags -I "$out" -I "$root/Sources/CZlib" "$root/scripts/fuzz/kernel/Fuzz$target.swift" \
    "$out/KernelLog.o" "$out/Bytes.o" "$out/Codecs.o" "$out/Dump.o" "$out/Symbols.o" "$out/Kernel.o" -lz -o "$out/fuzz-$target" 2>&1 \
    | grep -v 'Cannot export local symbol' || true
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  for seed in "$out"/seed-$target-*; do [ -f "$seed" ] && cp "$seed" "$corpus/"; done
  echo "== fuzz-$target for ${seconds}s"
  if ! (cd "$out" && "./fuzz-$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written'); then
    :
  fi
  if ls "$out"/crash-* >/dev/null 2>&1; then status=1; fi
done
exit $status
