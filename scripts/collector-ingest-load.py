#!/usr/bin/env python3
"""HTTP ingest load for `coroner serve`: client threads, each on one keep-alive
connection, POST a console log holding a crash to /api/v1/console with a fresh
Idempotency-Key each time (so every request is stored). Prints one JSON line:
requests, requests/s, p50/p99 latency in ms, and non-201 answers."""
import argparse, http.client, json, threading, time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--token", required=True)
p.add_argument("--log", required=True)
p.add_argument("--clients", type=int, default=8)
p.add_argument("--seconds", type=float, default=10)
a = p.parse_args()
body = open(a.log, "rb").read()
latencies, failures, lock = [], [], threading.Lock()
deadline = time.monotonic() + a.seconds


def client(index):
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
    n = 0
    local, bad = [], []
    while time.monotonic() < deadline:
        n += 1
        t = time.monotonic()
        conn.request("POST", "/api/v1/console", body=body, headers={
            "Authorization": "Bearer " + a.token, "Content-Type": "text/plain",
            "Idempotency-Key": "bench-%d-%d-%f" % (index, n, t)})
        r = conn.getresponse()
        r.read()
        local.append(time.monotonic() - t)
        if r.status != 201:
            bad.append(r.status)
    with lock:
        latencies.extend(local)
        failures.extend(bad)


start = time.monotonic()
threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - start
latencies.sort()
q = lambda f: round(latencies[min(len(latencies) - 1, int(f * len(latencies)))] * 1000, 2) if latencies else None
print(json.dumps({"requests": len(latencies), "seconds": round(elapsed, 2),
                  "requests_per_second": round(len(latencies) / elapsed, 1), "p50_ms": q(0.50), "p99_ms": q(0.99),
                  "failures": len(failures), "body_bytes": len(body), "clients": a.clients}))
