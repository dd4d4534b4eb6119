"""Fashion-MNIST on the `corvid` runtime, end to end over HTTP, beside PyTorch running the same model in-process.

    dotnet build -c Release src/Corvid.Cli
    CORVID_CMD="dotnet artifacts/bin/Corvid.Cli/release/corvid.dll" OPENBLAS_CORETYPE=SkylakeX \\
      flock /tmp/corvid-build.lock /usr/bin/python3 bench/fashion_mnist_serve.py [--requests 2000] [--runs 3]

Server rows: `corvid serve --models models --no-default-model` (models/fashion-mnist: 1 worker, batch 16 / 2 ms) and
clients in this process (Python `requests`, one session per thread) POSTing the committed sample PNGs
TorchServe-style; images/s over all requests after a warm-up, and latency percentiles. The clients share the
machine's cores with the server, so the server rows are a floor for what the server itself can do.
Corvid in-process rows: bench/fashion_mnist_engine.cs (the runtime's executor on 1 thread, no HTTP), same two cases.
PyTorch rows: torch 1.13 eager, `nn.Sequential` built from models/fashion-mnist/model.json with the same safetensors,
eval mode, no_grad, 1 thread: per image PIL decode + preprocess + forward (what a handler does), and forward only
on batches of 16 already-preprocessed images. Medians of --runs runs.
"""
import argparse, io, json, os, statistics, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import requests
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import safetensors_io  # noqa: E402
from serving_common import ROOT, start_server, stop_server  # noqa: E402
from fashion_mnist_fixtures import build, preprocess  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "Corvid.Serving.Tests", "Fixtures", "fashion-mnist")
MODEL = os.path.join(ROOT, "models", "fashion-mnist")


def pngs():
    names = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".png"))
    return [open(os.path.join(FIXTURES, n), "rb").read() for n in names]


def server_run(base, bodies, count, concurrency):
    local = threading.local()

    def one(i):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        start = time.perf_counter()
        r = session.post(f"{base}/predictions/fashion-mnist", data=bodies[i % len(bodies)],
                         headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 200, r.text
        return time.perf_counter() - start

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(min(200, count))))  # warm-up: JIT, connections
        start = time.perf_counter()
        latencies = list(pool.map(one, range(count)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    return count / elapsed, pct(0.50), pct(0.95), pct(0.99)


def torch_rows(bodies, count):
    torch.set_num_threads(1)
    manifest = json.load(open(os.path.join(MODEL, "manifest.json")))
    model = build(json.load(open(os.path.join(MODEL, "model.json"))))
    tensors, _ = safetensors_io.load(os.path.join(MODEL, "model.safetensors"))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    model.eval()
    with torch.no_grad():
        for i in range(100):
            model(preprocess(Image.open(io.BytesIO(bodies[i % len(bodies)])), manifest["image"]))
        start = time.perf_counter()
        for i in range(count):
            model(preprocess(Image.open(io.BytesIO(bodies[i % len(bodies)])), manifest["image"]))
        single = count / (time.perf_counter() - start)
        batch = torch.cat([preprocess(Image.open(io.BytesIO(bodies[i % len(bodies)])), manifest["image"]) for i in range(16)])
        for _ in range(20):
            model(batch)
        start = time.perf_counter()
        for _ in range(count // 16):
            model(batch)
        batched = (count // 16) * 16 / (time.perf_counter() - start)
    return single, batched


def corvid_rows(count):
    """Runs bench/fashion_mnist_engine.cs (a .NET file-based program) and returns (single, batch16) images/s."""
    out = subprocess.run(["dotnet", "run", "-c", "Release", os.path.join(ROOT, "bench", "fashion_mnist_engine.cs"), "--", str(count)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError("bench/fashion_mnist_engine.cs failed:\n" + out.stdout + out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["single"], result["batch16"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", default="1,8,32")
    args = parser.parse_args()
    bodies = pngs()
    levels = [int(c) for c in args.concurrency.split(",")]
    results = {c: [] for c in levels}
    proc, base = start_server("--models", os.path.join(ROOT, "models"), "--no-default-model")
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep the pipe drained
    try:
        for _ in range(args.runs):
            for c in levels:
                results[c].append(server_run(base, bodies, args.requests, c))
    finally:
        code = stop_server(proc)
    torch_single, torch_batched = zip(*[torch_rows(bodies, args.requests) for _ in range(args.runs)])
    corvid_single, corvid_batched = zip(*[corvid_rows(args.requests) for _ in range(args.runs)])

    print(f"| setup | images/s | p50 ms | p95 ms | p99 ms |")
    print(f"|---|---:|---:|---:|---:|")
    for c in levels:
        rows = results[c]
        med = lambda k: statistics.median(r[k] for r in rows)
        print(f"| `corvid serve`, corvid runtime, {c} concurrent client(s) | {med(0):.0f} | {med(1):.2f} | {med(2):.2f} | {med(3):.2f} |")
    print(f"| Corvid in-process, 1 thread, decode + preprocess + forward per image | {statistics.median(corvid_single):.0f} | | | |")
    print(f"| PyTorch in-process, 1 thread, decode + preprocess + forward per image | {statistics.median(torch_single):.0f} | | | |")
    print(f"| Corvid in-process, 1 thread, forward only, batch 16 | {statistics.median(corvid_batched):.0f} | | | |")
    print(f"| PyTorch in-process, 1 thread, forward only, batch 16 | {statistics.median(torch_batched):.0f} | | | |")
    print(f"server exit code {code}")


if __name__ == "__main__":
    main()
