#!/bin/sh
# Builds the libFuzzer targets of the kernel-object readers (BTF in Symbols, ORC in
# Kernel) with swiftc -sanitize=fuzzer,address and runs each for a short while.
#   scripts/fuzz-kernel.sh [SECONDS_PER_TARGET]   (default 30)
# Seeds: a BTF blob written by the unit tests' writer (CORONER_WRITE_FUZZ_SEEDS) plus
# whatever is in .build/fuzz/corpus-*; crashes are left as .build/fuzz/crash-* files,
# inputs that run over 30 s as timeout-*.
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/fuzz/libfuzzer.sh"

build_modules KernelLog Bytes Codecs Dump Symbols Kernel
(cd "$root" && CORONER_WRITE_FUZZ_SEEDS="$out" swift test --disable-swift-testing --filter 'SymbolsTests.BtfTests|KernelTests.OrcTests' >/dev/null 2>&1) || true
for target in Btf Orc; do
  [ -f "$root/scripts/fuzz/kernel/Fuzz$target.swift" ] || continue
  run_target "$root/scripts/fuzz/kernel/Fuzz$target.swift" "$target" 65536 KernelLog Bytes Codecs Dump Symbols Kernel
done
exit $status
