# Shared by scripts/fuzz-dump.sh and scripts/fuzz-kernel.sh (sourced, not run):
# builds libraries as instrumented modules and runs libFuzzer targets over them.
# Expects $root (the repository) and $seconds; sets $out and $status.
out="$root/.build/fuzz"
mkdir -p "$out"
flags="-sanitize=fuzzer,address -parse-as-library -Onone -swift-version 5"
status=0
# KernelLog's C target (the marker scan's vector step) and Codecs' (libzstd's parameters
# passed by value), for every module that imports them.
. "$root/scripts/fuzz/c-targets.sh"
build_c_target CMarkerScan "$out"
build_c_target CZstdParameters "$out"
# Swift's own crash backtracer would hold the pipe open after a trap: let libFuzzer
# and the sanitizer report instead.
export SWIFT_BACKTRACE=enable=no

# build_modules MODULE...: each Sources/MODULE as an instrumented module and object, in order.
build_modules() {
  for module in "$@"; do
    swiftc $flags -emit-module -emit-module-path "$out/$module.swiftmodule" -module-name "$module" \
      -I "$out" -I "$out/CMarkerScan" -I "$out/CZstdParameters" -I "$root/Sources/CZlib" -wmo -emit-object \
      -o "$out/$module.o" "$root"/Sources/$module/*.swift
  done
}

# run_target SOURCE NAME MAX_LEN MODULE...: links SOURCE (a Fuzz*.swift) with the
# modules' objects as fuzz-NAME, seeds .build/fuzz/corpus-NAME with the seed-NAME-*
# files the tests wrote, runs it for $seconds; status 1 when a crash-* or timeout-* file
# is left (an input that ran over 30 s).
run_target() {
  source=$1 name=$2 max_len=$3
  shift 3
  objects=""
  for module in "$@"; do objects="$objects $out/$module.o"; done
  objects="$objects $out/CMarkerScan.o $out/CZstdParameters.o"
  rm -f "$out/fuzz-$name"
  swiftc $flags -I "$out" -I "$out/CMarkerScan" -I "$out/CZstdParameters" -I "$root/Sources/CZlib" "$source" $objects \
    -lz -o "$out/fuzz-$name" 2>&1 \
    | grep -v 'Cannot export local symbol' || true
  # A target that no longer builds is a failure, not a fuzzer that quietly never ran.
  if [ ! -x "$out/fuzz-$name" ]; then
    echo "fuzz-$name did not build" >&2
    status=1
    return
  fi
  corpus="$out/corpus-$name"
  mkdir -p "$corpus"
  for seed in "$out"/seed-$name-*; do [ -f "$seed" ] && cp "$seed" "$corpus/"; done
  echo "== fuzz-$name for ${seconds}s"
  (cd "$out" && "./fuzz-$name" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written') || true
  # A hang is a failure too: libFuzzer leaves the input that ran past -timeout as
  # timeout-* (its default limit, 20 minutes, would pass the run in silence).
  if ls "$out"/crash-* >/dev/null 2>&1 || ls "$out"/timeout-* >/dev/null 2>&1; then status=1; fi
}
