#!/usr/bin/python3
"""PyTorch side of `corvid-bench kernels`: times the same kernels Corvid times, on the same shapes.

Usage: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/torch_kernels.py SPEC.json
SPEC.json: {"threads": [1, 2], "samples": 7, "min_sample_seconds": 0.05, "cases": [{"name": ..., "op": ..., ...}]}
Prints JSON to stdout: {"torch": version, "results": [{"name", "threads", "seconds"}]} where seconds is
the median over samples of the time of one call (each sample repeats the call to last min_sample_seconds).
Corvid.Bench launches this itself; run it by hand only to debug it.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def make(case):
    """Returns a no-argument function doing one call of the case."""
    op = case["op"]
    g = torch.Generator().manual_seed(0)

    def randn(*shape, grad=False):
        return torch.randn(*shape, generator=g).requires_grad_(grad)

    if op == "matmul":  # C[m, n] = A[m, k] · B[k, n]; A = Xᵀ when transposed_a, B = Wᵀ with W [n, k] when transposed_b
        a = randn(case["k"], case["m"]).t() if case.get("transposed_a") else randn(case["m"], case["k"])
        b = randn(case["n"], case["k"]).t() if case.get("transposed_b") else randn(case["k"], case["n"])
        out = torch.empty(case["m"], case["n"])
        if case.get("bias"):  # F.linear's addmm: bias + x · Wᵀ
            bias = randn(case["n"])
            return lambda: torch.addmm(bias, a, b, out=out)
        return lambda: torch.matmul(a, b, out=out)
    if op == "bmm":  # the same per batch item, with the same transposes
        batch, m, n, k = case["batch"], case["m"], case["n"], case["k"]
        a = randn(batch, k, m).transpose(1, 2) if case.get("transposed_a") else randn(batch, m, k)
        b = randn(batch, n, k).transpose(1, 2) if case.get("transposed_b") else randn(batch, k, n)
        out = torch.empty(batch, m, n)
        return lambda: torch.bmm(a, b, out=out)
    if op in ("conv2d", "conv2d_train"):
        train = op == "conv2d_train"
        x = randn(case["n"], case["c"], case["h"], case["w"], grad=train)
        w = randn(case["oc"], case["c"] // case["groups"], case["kh"], case["kw"], grad=train)
        b = randn(case["oc"], grad=train)
        args = dict(stride=case["stride"], padding=case["pad"], dilation=case["dilation"], groups=case["groups"])
        if not train:
            def forward():
                with torch.no_grad():
                    return F.conv2d(x, w, b, **args)
            return forward
        gy = torch.randn(F.conv2d(x, w, b, **args).shape, generator=g)

        def step():
            x.grad = w.grad = b.grad = None
            F.conv2d(x, w, b, **args).backward(gy)
        return step
    if op == "sdpa_train":  # torch 1.13 has no fused attention: the math PyTorch's own MultiheadAttention runs
        b, h, l, d = case["b"], case["h"], case["l"], case["d"]
        q, k, v = (randn(b, h, l, d, grad=True) for _ in range(3))
        gy = randn(b, h, l, d)
        blocked = torch.ones(l, l, dtype=torch.bool).triu(1) if case["causal"] else None

        def attention_step():
            q.grad = k.grad = v.grad = None
            scores = torch.matmul(q, k.transpose(-2, -1)) * (d ** -0.5)
            if blocked is not None:
                scores = scores.masked_fill(blocked, float("-inf"))
            torch.matmul(torch.softmax(scores, -1), v).backward(gy)
        return attention_step
    if op == "mha_train":
        b, l, d = case["b"], case["l"], case["d"]
        module = torch.nn.MultiheadAttention(d, case["h"], batch_first=True)
        x = randn(b, l, d, grad=True)
        gy = randn(b, l, d)

        def module_step():
            module.zero_grad(set_to_none=True)
            x.grad = None
            module(x, x, x, need_weights=False)[0].backward(gy)
        return module_step
    raise ValueError(f"torch_kernels.py: unknown op {op!r} in case {case['name']!r}")


def median_seconds(fn, samples, min_sample_seconds):
    fn()  # warm up (allocations, thread pools)
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    reps = max(1, int(min_sample_seconds / once))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - start) / reps)
    return statistics.median(times)


def run_spec(path, make_case):
    """Times every case of the JSON spec at each thread count; prints the results as JSON for Corvid.Bench."""
    with open(path) as f:
        spec = json.load(f)
    results = []
    for threads in spec["threads"]:
        torch.set_num_threads(threads)
        for case in spec["cases"]:
            seconds = median_seconds(make_case(case), spec["samples"], spec["min_sample_seconds"])
            results.append({"name": case["name"], "threads": threads, "seconds": seconds})
            print(f"torch {case['name']} threads={threads}: {seconds * 1e3:.3f} ms", file=sys.stderr)
    json.dump({"torch": torch.__version__, "results": results}, sys.stdout)


def main():
    run_spec(sys.argv[1], make)


if __name__ == "__main__":
    main()
