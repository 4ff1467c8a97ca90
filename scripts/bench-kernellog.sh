#!/bin/sh
# Benchmark of the crash-report parser on a large console log.
#
# Builds a log of at least SIZE_MB megabytes (default 1024) from the syzkaller corpus
# logs, each followed by a stretch of ordinary boot and driver chatter with no crash,
# then times `coroner examine` (release build, one core) and `grep -c` over the same
# file in the same run, and prints MB/s, the ratio and the peak memory of each.
#
# Usage: scripts/bench-kernellog.sh [SIZE_MB] [LOG]
#   FILLER_LINES=N   lines of chatter between two corpus logs (default 20000, about 1.5 MB);
#                    15000000 gives a gigabyte with (almost) no crash
set -eu
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
# The built log is kept in the user's cache for the next run; scratch files go to a
# folder of this run's own.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/coroner
mkdir -p "$cache"
log=${2:-$cache/bench-kernellog.log}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
corpus=../shared/corpus/syzkaller/report

swift build -c release --product coroner >/dev/null
coroner=$(swift build -c release --show-bin-path)/coroner

if [ ! -f "$log" ] || [ "$(du -m "$log" | cut -f1)" -lt "$size_mb" ]; then
  python3 - "$corpus" "$log" "$size_mb" "${FILLER_LINES:-20000}" <<'PY'
import os, sys
corpus, out, size_mb, filler = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
logs = []
for name in sorted(os.listdir(corpus), key=lambda n: int(n) if n.isdigit() else 0):
    data = open(os.path.join(corpus, name), 'rb').read().replace(b'\r', b'')
    head, _, body = data.partition(b'\n\n')
    body = body.split(b'\n\nREPORT:\n')[0]
    logs.append(body if body.endswith(b'\n') else body + b'\n')
chatter = [
    b'[%12.6f] EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.\n',
    b'[%12.6f] systemd[1]: Started Journal Service.\n',
    b'[%12.6f] virtio_net virtio0 enp0s3: renamed from eth0\n',
    b'[%12.6f] audit: type=1400 audit(1700000000.123:42): apparmor="STATUS" operation="profile_load"\n',
    b'[%12.6f] IPv6: ADDRCONF(NETDEV_CHANGE): enp0s3: link becomes ready\n',
    b'[%12.6f] random: crng init done\n',
    b'[%12.6f] usb 1-1: new high-speed USB device number 2 using ehci-pci\n',
    b'[%12.6f] perf: interrupt took too long (2503 > 2500), lowering kernel.perf_event_max_sample_rate\n',
]
target = size_mb << 20
written, t, i = 0, 0.0, 0
with open(out, 'wb') as f:
    while written < target:
        block = bytearray()
        for _ in range(filler):
            t += 0.000731
            block += chatter[i % len(chatter)] % t
            i += 1
        block += logs[(i // filler) % len(logs)]
        f.write(block)
        written += len(block)
PY
fi

bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
cat "$log" >/dev/null   # warm the page cache for both tools

measure() {  # prints "seconds peak_kb", runs the command on one core
  /usr/bin/time -f '%e %M' -o "$scratch/time" taskset -c 0 "$@" >"$scratch/out" || true
  tail -1 "$scratch/time"
}
set -- $(measure "$coroner" examine --json "$log")
coroner_s=$1 coroner_kb=$2
reports=$(python3 -c "import json; print(len(json.load(open('$scratch/out'))['reports']))")
set -- $(measure grep -c -E 'BUG:|WARNING:|INFO:|Kernel panic|general protection fault' "$log")
grep_s=$1 grep_kb=$2
matches=$(cat "$scratch/out")

awk -v mb="$mb" -v cs="$coroner_s" -v gs="$grep_s" -v ck="$coroner_kb" -v gk="$grep_kb" \
  -v r="$reports" -v m="$matches" 'BEGIN {
  printf "log: %s MB\n", mb
  printf "coroner examine: %6.2f s  %8.1f MB/s  peak RSS %d MB  (%d reports)\n", cs, mb / cs, ck / 1024, r
  printf "grep -c -E:      %6.2f s  %8.1f MB/s  peak RSS %d MB  (%d matching lines)\n", gs, mb / gs, gk / 1024, m
  printf "ratio coroner/grep speed: %.2f\n", gs / cs
}'
