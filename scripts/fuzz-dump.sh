#!/bin/sh
# Builds the Dump library's libFuzzer targets (ELF, kdump-compressed, flattened,
# printk) with swiftc -sanitize=fuzzer,address and runs each for a short while.
#   scripts/fuzz-dump.sh [SECONDS_PER_TARGET]   (default 30; CI uses a short run)
# Seeds: Tests/DumpTests/Fixtures (a real kdump cut) plus whatever is in
# .build/fuzz/corpus-*; crashes are left as .build/fuzz/crash-* files.
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/fuzz"
mkdir -p "$out"
flags="-sanitize=fuzzer,address -parse-as-library -Onone -swift-version 5"

# The libraries as modules, instrumented.
swiftc $flags -emit-module -emit-module-path "$out/KernelLog.swiftmodule" -module-name KernelLog \
  -wmo -emit-object -o "$out/KernelLog.o" "$root"/Sources/KernelLog/*.swift
swiftc $flags -emit-module -emit-module-path "$out/Bytes.swiftmodule" -module-name Bytes \
  -wmo -emit-object -o "$out/Bytes.o" "$root"/Sources/Bytes/*.swift
swiftc $flags -emit-module -emit-module-path "$out/Codecs.swiftmodule" -module-name Codecs \
  -I "$out" -I "$root/Sources/CZlib" -wmo -emit-object -o "$out/Codecs.o" "$root"/Sources/Codecs/*.swift
swiftc $flags -emit-module -emit-module-path "$out/Dump.swiftmodule" -module-name Dump \
  -I "$out" -I "$root/Sources/CZlib" -wmo -emit-object -o "$out/Dump.o" "$root"/Sources/Dump/*.swift

# Synthetic seeds written by the test suite's own writers.
(cd "$root" && CORONER_WRITE_FUZZ_SEEDS="$out" swift test --filter FuzzSeedTests >/dev/null 2>&1) || true

# Swift's own crash backtracer would hold the pipe open after a trap: let
# libFuzzer and the sanitizer report instead.
export SWIFT_BACKTRACE=enable=no

status=0
for target in Elf Kdump Flattened Printk; do
  swiftc $flags -I "$out" -I "$root/Sources/CZlib" "$root/scripts/fuzz/dump/Fuzz$target.swift" \
    "$out/Dump.o" "$out/Codecs.o" "$out/Bytes.o" "$out/KernelLog.o" -lz -o "$out/fuzz-$target" 2>&1 | grep -v 'Cannot export local symbol' || true
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  case $target in
    Kdump) cp "$root"/Tests/DumpTests/Fixtures/*.kdump "$corpus/" ;;
  esac
  echo "== fuzz-$target for ${seconds}s"
  if ! (cd "$out" && "./fuzz-$target" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 \
    -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written'); then
    :
  fi
  if ls "$out"/crash-* >/dev/null 2>&1; then status=1; fi
done
exit $status
