#!/bin/sh
# Builds the Dump library's libFuzzer targets (ELF, kdump-compressed, flattened,
# printk) with swiftc -sanitize=fuzzer,address and runs each for a short while.
#   scripts/fuzz-dump.sh [SECONDS_PER_TARGET]   (default 30; CI uses a short run)
# Seeds: Tests/DumpTests/Fixtures (a real kdump cut), the synthetic seeds the test
# suite's own writers leave, plus whatever is in .build/fuzz/corpus-*; crashes are left
# as .build/fuzz/crash-* files.
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/fuzz/libfuzzer.sh"

build_modules KernelLog Bytes Codecs Dump
(cd "$root" && CORONER_WRITE_FUZZ_SEEDS="$out" swift test --filter FuzzSeedTests >/dev/null 2>&1) || true
mkdir -p "$out/corpus-Kdump"
cp "$root"/Tests/DumpTests/Fixtures/*.kdump "$out/corpus-Kdump/"
for target in Elf Kdump Flattened Printk; do
  run_target "$root/scripts/fuzz/dump/Fuzz$target.swift" "$target" 262144 Dump Codecs Bytes KernelLog
done
exit $status
