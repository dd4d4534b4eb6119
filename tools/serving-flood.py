#!/usr/bin/env python3
"""Reliability: flood `corvid serve` at ten times its queue capacity for 30 s (bounded in count and time,
loopback only). Every request must be answered 200 or 503, the server must stay up, and its resident memory
must stay bounded. Prints the counts and the memory curve; exits non-zero if a check fails.

Run from the repository root: /usr/bin/python3 tools/serving-flood.py [seconds] [queue]   (needs python3-requests, python3-pil)
"""
import collections, sys, threading, time
import requests
from serving_common import start_server, stop_server, rss_mb, test_image

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 30
QUEUE = int(sys.argv[2]) if len(sys.argv) > 2 else 20
CLIENTS = 10 * QUEUE
MAX_REQUESTS = 200_000


def main():
    proc, base = start_server("--queue-size", str(QUEUE))
    image = test_image()
    statuses = collections.Counter()
    failures = collections.Counter()
    lock = threading.Lock()
    stop_at = time.time() + SECONDS
    memory = []

    def client():
        session = requests.Session()
        while time.time() < stop_at:
            with lock:
                if sum(statuses.values()) + sum(failures.values()) >= MAX_REQUESTS:
                    return
            try:
                r = session.post(f"{base}/predictions/resnet18", data=image, timeout=60)
                with lock:
                    statuses[r.status_code] += 1
                if r.status_code == 503:
                    assert "queue is full" in r.json()["detail"] and r.headers.get("Retry-After") == "1"
            except Exception as e:  # a connection error would mean the server fell over
                with lock:
                    failures[type(e).__name__] += 1

    def sampler():
        while time.time() < stop_at:
            memory.append(rss_mb(proc.pid))
            time.sleep(1)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)] + [threading.Thread(target=sampler)]
    before = rss_mb(proc.pid)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alive = requests.get(f"{base}/ping").status_code == 200
    after = rss_mb(proc.pid)
    code = stop_server(proc)

    half = memory[len(memory) // 2:]
    print(f"flood: {CLIENTS} concurrent clients against queue {QUEUE} for {SECONDS:.0f} s")
    print(f"answers: {dict(statuses)}  transport failures: {dict(failures)}")
    print(f"server RSS MB: before {before:.0f}, peak {max(memory):.0f}, second-half min {min(half):.0f} max {max(half):.0f}, after {after:.0f}")
    print(f"server alive after the flood: {alive}; exit code after SIGTERM: {code}")
    ok = (set(statuses) <= {200, 503} and statuses[200] > 0 and not failures and alive and code == 0
          and max(half) < 1.25 * max(memory[: len(memory) // 2] or [max(half)]) + 50)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
