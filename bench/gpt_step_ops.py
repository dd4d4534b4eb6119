#!/usr/bin/python3
"""Per-op breakdown of one GPT training step (the `models` GPT case), PyTorch and Corvid side by side.

PyTorch (torch.autograd.profiler, self CPU time of each aten op, grouped; one thread):
  OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/gpt_step_ops.py torch

Corvid (a dotnet-trace of the bench, each sample given to the op its stack is in; STEP_MS scales shares to ms):
  flock /tmp/corvid-build.lock /tmp/dntools/dotnet-trace collect --format speedscope -o /tmp/gpt.nettrace -- \\
      dotnet artifacts/bin/Corvid.Bench/release/Corvid.Bench.dll models --no-torch --filter GPT --threads 1 --samples 5 --rounds 1
  /usr/bin/python3 bench/gpt_step_ops.py corvid /tmp/gpt.speedscope.json STEP_MS

The groups are the same on both sides. GEMM includes the attention's products (PyTorch's bmm; the GEMM calls
inside Corvid's fused attention), so "attention softmax" is the rest of the attention.
"""
import collections
import json
import os
import sys
import time

import speedscope_top  # the speedscope walk, shared (bench/ is on the path when this runs as a script)

TORCH_GROUPS = [
    ("GEMM", ["aten::mm", "aten::addmm", "aten::bmm", "aten::addmm_", "aten::baddbmm"]),
    ("GELU fwd", ["aten::gelu"]), ("GELU bwd", ["aten::gelu_backward"]),
    ("attention softmax fwd", ["aten::_softmax"]), ("attention softmax bwd", ["aten::_softmax_backward_data"]),
    ("cross-entropy", ["aten::_log_softmax", "aten::_log_softmax_backward_data", "aten::nll_loss_forward", "aten::nll_loss_backward"]),
    ("layer norm fwd", ["aten::native_layer_norm"]), ("layer norm bwd", ["aten::native_layer_norm_backward"]),
    ("copies", ["aten::copy_", "aten::cat", "aten::clone"]),
    ("zero-fill", ["aten::fill_", "aten::zero_"]),
    ("adds (residual, gradient accumulation)", ["aten::add", "aten::add_"]),
    ("sums (bias gradients)", ["aten::sum"]),
    ("AdamW", ["aten::addcdiv_", "aten::addcmul_", "aten::sqrt", "aten::mul_", "aten::lerp_", "aten::div", "aten::div_",
               "Optimizer.step#AdamW.step"]),
    ("embedding", ["aten::index_select", "aten::embedding_dense_backward", "aten::index_add_", "aten::embedding_backward"]),
]

# First match wins, on the stack's frame names joined; b is true inside the backward pass.
CORVID_GROUPS = [
    ("GEMM", lambda s, b: "Gemm" in s),
    ("attention softmax fwd", lambda s, b: "FusedAttention" in s and not b),
    ("attention softmax bwd", lambda s, b: "FusedAttention" in s and b),
    ("cross-entropy", lambda s, b: "CrossEntropy" in s or "LogSoftmax" in s or "<Gather>" in s),
    ("zero-fill", lambda s, b: "<Slice>" in s),  # zero-filled gradients of in_proj_weight's q/k/v chunks
    ("GELU bwd", lambda s, b: "<GeluExact>" in s),
    ("GELU fwd", lambda s, b: "GeluExact" in s),
    ("layer norm bwd", lambda s, b: "<LayerNormRows>" in s),
    ("layer norm fwd", lambda s, b: "LayerNorm" in s),
    ("sums (bias gradients)", lambda s, b: "<LinearRows>" in s and ".Sum" in s),
    ("copies", lambda s, b: "LinearRows" in s),  # the bias rows written into each linear output
    ("adds (residual, gradient accumulation)", lambda s, b: "AutogradEngine.Accumulate" in s or "op_Addition" in s or "Tensor.Add" in s),
    ("AdamW", lambda s, b: "Optimizer.Step" in s),
    ("embedding", lambda s, b: "Embedding" in s or "IndexSelect" in s or "IndexAdd" in s),
]


def torch_side(steps=6):
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_models
    torch.set_num_threads(1)
    case = {"op": "gpt_train", "vocab": 1024, "seq": 128, "d_model": 256, "layers": 4, "heads": 8, "batch": 16, "name": "gpt"}
    step = torch_models.make(case)
    for _ in range(4):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    print(f"PyTorch {torch.__version__}: {(time.perf_counter() - start) / steps * 1e3:.1f} ms per step without the profiler")
    with torch.autograd.profiler.profile() as prof:
        for _ in range(steps):
            step()
    groups, total = collections.Counter(), 0.0
    for event in prof.key_averages():
        total += event.self_cpu_time_total
        name = next((g for g, ops in TORCH_GROUPS if event.key in ops), "other (views, dispatch, autograd)")
        groups[name] += event.self_cpu_time_total
    print(f"{total / steps / 1e3:.1f} ms per step under the profiler")
    for name, us in groups.most_common():
        print(f"{name:42s} {us / steps / 1e3:7.1f} ms")


def corvid_side(path, step_ms):
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    groups, total = collections.Counter(), 0.0
    for stack, ms in speedscope_top.sampled_stacks(data):
        real = [frames[f] for f in stack]
        if any("TrainStep" in f for f in real):
            joined = " | ".join(real)
            backward = "AutogradEngine.Run" in joined
            name = next((g for g, rule in CORVID_GROUPS if rule(joined, backward)), "other (views, dispatch, autograd)")
            groups[name] += ms
            total += ms
    for name, w in groups.most_common():
        print(f"{name:42s} {100 * w / total:5.1f} %  {step_ms * w / total:7.1f} ms")


if __name__ == "__main__":
    if sys.argv[1] == "torch":
        torch_side()
    else:
        corvid_side(sys.argv[2], float(sys.argv[3]))
