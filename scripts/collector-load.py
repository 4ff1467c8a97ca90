#!/usr/bin/env python3
"""Load generator for `coroner serve`: forged netconsole hosts on loopback.

Each host is a UDP socket bound to its own 127.x.y.z address (all of 127.0.0.0/8
is loopback on Linux), sending extended netconsole records (release prefix, one in
--fragment-every cut into ncfrag fragments, optionally reordered) or, for
--legacy-fraction of the hosts, plain console text. Prints one JSON line with
what was sent, for scripts/bench-collector to compare with /metrics.
"""
import argparse, json, socket, time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=6666)
p.add_argument("--hosts", type=int, default=1000)
p.add_argument("--rate", type=float, default=100000, help="records per second, all hosts together")
p.add_argument("--seconds", type=float, default=5)
p.add_argument("--fragment-every", type=int, default=50, help="one record in N is long and fragmented (0: none)")
p.add_argument("--reorder", action="store_true", help="send each fragmented record's pieces last first")
p.add_argument("--legacy-fraction", type=float, default=0.0)
a = p.parse_args()

hosts = []
for i in range(a.hosts):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.%d.%d.%d" % (1 + i // (254 * 256), i // 254 % 256, 1 + i % 254), 0))  # distinct per host
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    hosts.append(s)
target = ("127.0.0.1", a.port)
legacy_hosts = int(a.hosts * a.legacy_fraction)
seq = [0] * a.hosts
# Each run is a new boot of every host: sequence numbers start at 0 again and printk
# times differ from the last run's, so a collector that saw the last run counts a
# restart, not repeats.
boot = int(time.time() * 1000) % 1000000
filler = "x" * 1800


def payloads(i, n):
    s = seq[i]
    seq[i] += 1
    if i < legacy_hosts:
        return [b"[%6d.%06d] load test record %d from host %d\n" % (s // 1000, s % 1000, s, i)]
    head = b"6.1.0-56-amd64,6,%d,%d,-" % (s, boot + s * 1000)
    if a.fragment_every and s % a.fragment_every == a.fragment_every - 1:
        body = (b"load test long record %d " % s) + filler.encode() + b"\n cpu=0\n"
        parts, off = [], 0
        while off < len(body):
            prefix = head + b",ncfrag=%d/%d;" % (off, len(body))
            chunk = body[off:off + 1000 - len(prefix)]
            parts.append(prefix + chunk)
            off += len(chunk)
        return parts[::-1] if a.reorder else parts
    return [head + b";load test record %d from host %d\n" % (s, i)]


records = datagrams = 0
start = time.monotonic()
deadline = start + a.seconds
tick = 0.005
per_tick = a.rate * tick
owed = 0.0
host = 0
next_tick = start
while True:
    now = time.monotonic()
    if now >= deadline:
        break
    if now < next_tick:
        time.sleep(next_tick - now)
    next_tick += tick
    owed += per_tick
    n = int(owed)
    owed -= n
    for _ in range(n):
        sock = hosts[host]
        for payload in payloads(host, 0):
            sock.sendto(payload, target)
            datagrams += 1
        records += 1
        host += 1
        if host == a.hosts:
            host = 0
elapsed = time.monotonic() - start
print(json.dumps({"records": records, "datagrams": datagrams, "seconds": round(elapsed, 3),
                  "records_per_second": round(records / elapsed), "hosts": a.hosts,
                  "legacy_hosts": legacy_hosts}))
