#!/bin/sh
# Builds the libFuzzer targets of what reads untrusted bytes outside Dump: the capture
# writer's source reader (a vmcore of any format through the bitmaps, the page copy and
# the writer), the pstore record parser, and the ELF symbol and DWARF reader that
# symbolize uses. swiftc -sanitize=fuzzer,address; each runs for a short while.
#   scripts/fuzz-capture.sh [SECONDS_PER_TARGET]   (default 30)
# Seeds: the dump fixtures (kdump cuts), the pstore fixture records, the DWARF fixture
# programs; crashes are left as .build/fuzz/crash-* files.
set -eu
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/fuzz"
mkdir -p "$out/CKexec"
flags="-sanitize=fuzzer,address -parse-as-library -Onone -swift-version 5"

# The C shim Capture links (kexec_file_load), with a module map of its own header.
printf 'module CKexec {\n  header "%s"\n  export *\n}\n' "$root/Sources/CKexec/include/CKexec.h" \
  >"$out/CKexec/module.modulemap"
clang -c -O1 -fsanitize=fuzzer-no-link,address -I "$root/Sources/CKexec/include" \
  "$root/Sources/CKexec/CKexec.c" -o "$out/CKexec.o"

# KernelLog's C target (the marker scan's vector step) and Codecs' (libzstd's parameters).
. "$root/scripts/fuzz/c-targets.sh"
build_c_target CMarkerScan "$out"
build_c_target CZstdParameters "$out"

# The libraries as modules, instrumented; Capture and Symbols testable, for the
# parsers' internal entry points.
for module in KernelLog Bytes Codecs Dump Symbols Capture; do
  testing=""
  case $module in Capture | Symbols) testing="-enable-testing" ;; esac
  swiftc $flags $testing -emit-module -emit-module-path "$out/$module.swiftmodule" -module-name "$module" \
    -I "$out" -I "$out/CKexec" -I "$out/CMarkerScan" -I "$out/CZstdParameters" -I "$root/Sources/CZlib" -wmo \
    -emit-object -o "$out/$module.o" \
    "$root"/Sources/$module/*.swift
done

export SWIFT_BACKTRACE=enable=no
status=0
for target in capture/FuzzCaptureSource capture/FuzzPstore symbols/FuzzElfSymbols; do
  name=$(basename "$target" | sed 's/^Fuzz//')
  rm -f "$out/fuzz-$name"
  swiftc $flags -I "$out" -I "$out/CKexec" -I "$out/CMarkerScan" -I "$out/CZstdParameters" -I "$root/Sources/CZlib" \
    "$root/scripts/fuzz/$target.swift" \
    "$out/KernelLog.o" "$out/Bytes.o" "$out/Codecs.o" "$out/Dump.o" "$out/Symbols.o" "$out/Capture.o" \
    "$out/CKexec.o" "$out/CMarkerScan.o" "$out/CZstdParameters.o" -lz -o "$out/fuzz-$name" 2>&1 \
    | grep -v 'Cannot export local symbol' || true
  # A target that no longer builds is a failure, not a fuzzer that quietly never ran.
  [ -x "$out/fuzz-$name" ] || { echo "fuzz-$name did not build" >&2; exit 1; }
  corpus="$out/corpus-$name"
  mkdir -p "$corpus"
  case $name in
    CaptureSource) cp "$root"/Tests/DumpTests/Fixtures/*.kdump "$corpus/" ;;
    Pstore) find "$root/Tests/CaptureTests/Fixtures/pstore" -type f -name '*-*' -exec cp {} "$corpus/" \; ;;
    ElfSymbols) cp "$root"/Tests/SymbolsTests/Fixtures/clang-dwarf4 "$root"/Tests/SymbolsTests/Fixtures/clang-dwarf5 "$corpus/" ;;
  esac
  echo "== fuzz-$name for ${seconds}s"
  if ! (cd "$out" && "./fuzz-$name" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written'); then
    :
  fi
  # A hang is a failure too: libFuzzer leaves the input that ran past -timeout as
  # timeout-* (its default limit, 20 minutes, would pass the run in silence).
  if ls "$out"/crash-* >/dev/null 2>&1 || ls "$out"/timeout-* >/dev/null 2>&1; then status=1; fi
done
exit $status
