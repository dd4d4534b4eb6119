#!/usr/bin/python3
"""Generates the PyTorch reference fixtures for Corvid's tensor engine.

Run from the repository root (Debian's python3-torch, numpy):
    /usr/bin/python3 tools/torch_fixtures.py

For every case it stores the inputs, the op's outputs, a random upstream gradient, the input
gradients and, for the cases marked `second`, the gradients of <grad, v> (second order) in
tests/Corvid.Tensors.Tests/Fixtures/ops/*.safetensors. The metadata entry of each case names the
op, its parameters, the views applied to inputs (to test non-contiguous layouts) and the tolerance.

Tolerances: rtol 1e-5 with a small atol by default (float32 rounding of one op); reductions over
many elements and products with long inner dims accumulate in a different order than PyTorch's
kernels and use rtol/atol 1e-4, noted per case.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "Corvid.Tensors.Tests", "Fixtures", "ops")
rng = np.random.default_rng(20250412)
torch.manual_seed(0)
torch.set_num_threads(1)

GROUPS = {}


def randn(*shape, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32)


def positive(*shape):
    return np.asarray(rng.uniform(0.2, 3.0, shape), dtype=np.float32)


def ints(low, high, *shape):
    return rng.integers(low, high, shape).astype(np.int64)


def mask(*shape):
    return rng.random(shape) < 0.5


def apply_view(t, steps):
    for step in steps:
        kind = step[0]
        if kind == "t":
            t = t.transpose(-2, -1)
        elif kind == "permute":
            t = t.permute(*step[1])
        elif kind == "expand":
            t = t.expand(*step[1])
        elif kind == "slice":
            _, dim, start, end, stp = step
            index = [slice(None)] * t.dim()
            index[dim] = slice(start, end, stp)
            t = t[tuple(index)]
        elif kind == "select":
            t = t.select(step[1], step[2])
        else:
            raise ValueError(kind)
    return t


def case(group, name, op, inputs, params=None, views=None, second=False, rtol=1e-5, atol=None):
    """inputs: list of (name, numpy array, requires_grad)."""
    if atol is None:
        atol = 1e-5 if group == "convolution" else 1e-6
    params = params or {}
    views = views or {}
    leaves, named = {}, {}
    for iname, array, requires_grad in inputs:
        t = torch.from_numpy(array.copy())
        if requires_grad:
            t.requires_grad_(True)
        leaves[iname] = t
        named[iname] = apply_view(t, views.get(iname, []))
    outs = OPS[op](named, params)
    if not isinstance(outs, (tuple, list)):
        outs = [outs]
    tensors = {}
    for iname, array, requires_grad in inputs:
        tensors[f"{name}.in.{iname}"] = array
    diff_outs, gouts = [], []
    for i, o in enumerate(outs):
        tensors[f"{name}.out.{i}"] = o.detach().numpy().copy()
        if o.dtype == torch.float32 and o.requires_grad:
            g = torch.from_numpy(randn(*o.shape))
            tensors[f"{name}.gout.{i}"] = g.numpy()
            diff_outs.append(o)
            gouts.append(g)
    grad_names = [n for n, _, rg in inputs if rg]
    if diff_outs and grad_names:
        grads = torch.autograd.grad(diff_outs, [leaves[n] for n in grad_names], gouts, create_graph=second, allow_unused=True)
        for n, g in zip(grad_names, grads):
            if g is not None:
                tensors[f"{name}.grad.{n}"] = g.detach().numpy().copy()
        if second:
            total = 0
            for n, g in zip(grad_names, grads):
                if g is not None and g.requires_grad:
                    v = torch.from_numpy(randn(*g.shape))
                    tensors[f"{name}.v.{n}"] = v.numpy()
                    total = total + (g * v).sum()
            if torch.is_tensor(total) and total.requires_grad:
                seconds = torch.autograd.grad(total, [leaves[n] for n in grad_names], allow_unused=True)
                for n, g in zip(grad_names, seconds):
                    if g is not None:
                        tensors[f"{name}.grad2.{n}"] = g.detach().numpy().copy()
    meta = {"op": op, "params": params, "views": views, "rtol": rtol, "atol": atol,
            "inputs": [n for n, _, _ in inputs], "requires_grad": grad_names, "outputs": len(outs), "second": second}
    GROUPS.setdefault(group, ({}, {}))
    GROUPS[group][0].update(tensors)
    GROUPS[group][1][name] = json.dumps(meta)


P = lambda n, p, k, d=None: p.get(k, d)  # noqa: E731

OPS = {
    # elementwise
    "add": lambda x, p: x["a"] + x["b"],
    "sub": lambda x, p: x["a"] - x["b"],
    "mul": lambda x, p: x["a"] * x["b"],
    "div": lambda x, p: x["a"] / x["b"],
    "pow": lambda x, p: torch.pow(x["a"], x["b"]),
    "pow_scalar": lambda x, p: torch.pow(x["a"], p["exponent"]),
    "maximum": lambda x, p: torch.maximum(x["a"], x["b"]),
    "minimum": lambda x, p: torch.minimum(x["a"], x["b"]),
    "neg": lambda x, p: -x["a"],
    "exp": lambda x, p: torch.exp(x["a"]),
    "log": lambda x, p: torch.log(x["a"]),
    "sqrt": lambda x, p: torch.sqrt(x["a"]),
    "rsqrt": lambda x, p: torch.rsqrt(x["a"]),
    "abs": lambda x, p: torch.abs(x["a"]),
    "tanh": lambda x, p: torch.tanh(x["a"]),
    "sigmoid": lambda x, p: torch.sigmoid(x["a"]),
    "relu": lambda x, p: torch.relu(x["a"]),
    "erf": lambda x, p: torch.erf(x["a"]),
    "sin": lambda x, p: torch.sin(x["a"]),
    "cos": lambda x, p: torch.cos(x["a"]),
    "clamp": lambda x, p: torch.clamp(x["a"], p.get("min"), p.get("max")),
    "gelu": lambda x, p: F.gelu(x["a"], approximate=p["approximate"]),
    "silu": lambda x, p: F.silu(x["a"]),
    "elu": lambda x, p: F.elu(x["a"], p["alpha"]),
    "leaky_relu": lambda x, p: F.leaky_relu(x["a"], p["slope"]),
    "softplus": lambda x, p: F.softplus(x["a"]),
    "where": lambda x, p: torch.where(x["cond"], x["a"], x["b"]),
    "masked_fill": lambda x, p: x["a"].masked_fill(x["mask"], p["value"]),
    "compare": lambda x, p: [x["a"] == x["b"], x["a"] != x["b"], x["a"] < x["b"], x["a"] <= x["b"], x["a"] > x["b"], x["a"] >= x["b"]],
    # reductions
    "sum": lambda x, p: x["a"].sum(dim=p["dims"], keepdim=p["keepdim"]) if p["dims"] is not None else x["a"].sum(),
    "mean": lambda x, p: x["a"].mean(dim=p["dims"], keepdim=p["keepdim"]) if p["dims"] is not None else x["a"].mean(),
    "var": lambda x, p: torch.var(x["a"], dim=p["dims"], unbiased=p["correction"] == 1, keepdim=p["keepdim"]),
    "std": lambda x, p: torch.std(x["a"], dim=p["dims"], unbiased=p["correction"] == 1, keepdim=p["keepdim"]),
    "max_dim": lambda x, p: list(torch.max(x["a"], dim=p["dim"], keepdim=p["keepdim"])),
    "min_dim": lambda x, p: list(torch.min(x["a"], dim=p["dim"], keepdim=p["keepdim"])),
    "argmax": lambda x, p: torch.argmax(x["a"], dim=p["dim"], keepdim=p["keepdim"]),
    "logsumexp": lambda x, p: torch.logsumexp(x["a"], dim=p["dims"], keepdim=p["keepdim"]),
    "softmax": lambda x, p: torch.softmax(x["a"], dim=p["dim"]),
    "log_softmax": lambda x, p: torch.log_softmax(x["a"], dim=p["dim"]),
    "topk": lambda x, p: list(torch.topk(x["a"], p["k"], dim=p["dim"], largest=p["largest"])),
    # products
    "matmul": lambda x, p: torch.matmul(x["a"], x["b"]),
    "bmm": lambda x, p: torch.bmm(x["a"], x["b"]),
    "einsum": lambda x, p: torch.einsum(p["equation"], *[x[k] for k in sorted(x)]),
    # indexing and joining
    "gather": lambda x, p: torch.gather(x["a"], p["dim"], x["index"]),
    "scatter_add": lambda x, p: x["a"].scatter_add(p["dim"], x["index"], x["src"]),
    "index_select": lambda x, p: torch.index_select(x["a"], p["dim"], x["index"]),
    "embedding": lambda x, p: F.embedding(x["ids"], x["weight"], padding_idx=p.get("padding_idx")),
    "cat": lambda x, p: torch.cat([x[k] for k in sorted(x)], dim=p["dim"]),
    "stack": lambda x, p: torch.stack([x[k] for k in sorted(x)], dim=p["dim"]),
    "split": lambda x, p: list(torch.split(x["a"], p["size"], dim=p["dim"])),
    "chunk": lambda x, p: list(torch.chunk(x["a"], p["chunks"], dim=p["dim"])),
    "view_ops": lambda x, p: [x["a"].reshape(p["shape"]), x["a"].permute(*p["perm"]).contiguous(), x["a"].unsqueeze(1).squeeze(1),
                              x["a"].narrow(p["narrow"][0], p["narrow"][1], p["narrow"][2]), x["a"].flatten(1)],
    # convolution and pooling
    "conv1d": lambda x, p: F.conv1d(x["x"], x["w"], x.get("b"), p["stride"], p["padding"], p["dilation"], p["groups"]),
    "conv2d": lambda x, p: F.conv2d(x["x"], x["w"], x.get("b"), p["stride"], p["padding"], p["dilation"], p["groups"]),
    "conv_transpose1d": lambda x, p: F.conv_transpose1d(x["x"], x["w"], x.get("b"), p["stride"], p["padding"], p["output_padding"], p["groups"], p["dilation"]),
    "conv_transpose2d": lambda x, p: F.conv_transpose2d(x["x"], x["w"], x.get("b"), p["stride"], p["padding"], p["output_padding"], p["groups"], p["dilation"]),
    "max_pool2d": lambda x, p: F.max_pool2d(x["x"], p["kernel"], p["stride"], p["padding"], p["dilation"], p["ceil_mode"]),
    "avg_pool2d": lambda x, p: F.avg_pool2d(x["x"], p["kernel"], p["stride"], p["padding"], count_include_pad=p["count_include_pad"]),
    "adaptive_avg_pool2d": lambda x, p: F.adaptive_avg_pool2d(x["x"], p["size"]),
    "interpolate": lambda x, p: F.interpolate(x["x"], size=p.get("size"), scale_factor=p.get("scale"), mode=p["mode"],
                                              align_corners=p.get("align_corners") if p["mode"] == "bilinear" else None),
    # normalisation
    "layer_norm": lambda x, p: F.layer_norm(x["x"], p["shape"], x.get("w"), x.get("b"), p["eps"]),
    "batch_norm_train": lambda x, p: batch_norm_train(x, p),
    "add_relu": lambda x, p: F.relu(x["a"] + x["b"]),
    "conv_bn_eval": lambda x, p: F.batch_norm(F.conv2d(x["x"], x["w"], x.get("cb"), p["stride"], p["padding"]), x["rm"], x["rv"], x["g"], x["b"],
                                              training=False, eps=p["eps"]),
    "batch_norm_eval": lambda x, p: F.batch_norm(x["x"], x["rm"], x["rv"], x.get("w"), x.get("b"), training=False, eps=p["eps"]),
    "group_norm": lambda x, p: F.group_norm(x["x"], p["groups"], x.get("w"), x.get("b"), p["eps"]),
    # losses
    "cross_entropy": lambda x, p: F.cross_entropy(x["logits"], x["target"], weight=x.get("weight"), ignore_index=p["ignore_index"],
                                                  reduction=p["reduction"], label_smoothing=p["label_smoothing"]),
    "bce_with_logits": lambda x, p: F.binary_cross_entropy_with_logits(x["x"], x["y"], weight=x.get("weight"), pos_weight=x.get("pos_weight"),
                                                                       reduction=p["reduction"]),
    "mse": lambda x, p: F.mse_loss(x["a"], x["b"], reduction=p["reduction"]),
    "l1": lambda x, p: F.l1_loss(x["a"], x["b"], reduction=p["reduction"]),
    "cosine_similarity": lambda x, p: F.cosine_similarity(x["a"], x["b"], dim=p["dim"], eps=p["eps"]),
    "linear": lambda x, p: F.linear(x["x"], x["w"], x.get("b")),
    "sdpa": lambda x, p: sdpa(x, p),
}


def batch_norm_train(x, p):
    rm, rv = x["rm"].clone(), x["rv"].clone()
    y = F.batch_norm(x["x"], rm, rv, x.get("w"), x.get("b"), training=True, momentum=p["momentum"], eps=p["eps"])
    return [y, rm, rv]


def sdpa(x, p):
    q, k, v = x["q"], x["k"], x["v"]
    scores = q @ k.transpose(-2, -1) / (q.shape[-1] ** 0.5)
    if p.get("causal"):
        l, s = q.shape[-2], k.shape[-2]
        allowed = torch.ones(l, s, dtype=torch.bool).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    if "mask" in x:
        scores = scores.masked_fill(~x["mask"], float("-inf"))
    return torch.softmax(scores, -1) @ v


def elementwise():
    g = "elementwise"
    for op in ["add", "sub", "mul", "div", "maximum", "minimum"]:
        b = positive if op == "div" else randn
        case(g, f"{op}_same", op, [("a", randn(3, 4), True), ("b", b(3, 4), True)], second=True)
        case(g, f"{op}_broadcast", op, [("a", randn(2, 1, 4), True), ("b", b(3, 1), True)], second=True)
        case(g, f"{op}_transposed", op, [("a", randn(4, 3), True), ("b", b(3, 4), True)], views={"a": [["t"]]})
        case(g, f"{op}_scalar_tensor", op, [("a", randn(5), True), ("b", b(), True)])
        case(g, f"{op}_empty", op, [("a", randn(0, 3), True), ("b", b(3), True)])
    ties = randn(6)
    case(g, "maximum_ties", "maximum", [("a", ties, True), ("b", np.where(rng.random(6) < 0.5, ties, randn(6)).astype(np.float32), True)])
    case(g, "pow_tensor", "pow", [("a", positive(3, 4), True), ("b", randn(4), True)], second=True)
    for e in [2.0, 3.0, 0.5, -1.5]:
        case(g, f"pow_scalar_{e}", "pow_scalar", [("a", positive(3, 4), True)], {"exponent": e}, second=True)
    for op, maker in [("neg", randn), ("exp", randn), ("log", positive), ("sqrt", positive), ("rsqrt", positive), ("abs", randn),
                      ("tanh", randn), ("sigmoid", randn), ("relu", randn), ("erf", randn), ("sin", randn), ("cos", randn),
                      ("silu", randn), ("softplus", randn)]:
        # torch 1.13's double backward of abs returns uninitialised memory, so abs is checked to first order.
        case(g, op, op, [("a", np.asarray(maker(3, 5) * (2 if op in ("erf", "tanh") else 1), dtype=np.float32), True)], second=op != "abs")
        case(g, f"{op}_strided", op, [("a", maker(4, 6), True)], views={"a": [["slice", 1, 0, 6, 2]]})
    edge = np.array([0.0, -0.0, 1e-30, -1e-30, 30.0, -30.0, 88.0, -88.0, 1e-4, -1e-4], dtype=np.float32)
    for op in ["exp", "tanh", "sigmoid", "erf", "silu", "softplus", "abs", "relu"]:
        case(g, f"{op}_edge", op, [("a", edge, True)], atol=1e-6)
    for approx in ["none", "tanh"]:
        case(g, f"gelu_{approx}", "gelu", [("a", randn(4, 5) * 2, True)], {"approximate": approx}, second=True)
    case(g, "elu", "elu", [("a", randn(4, 5), True)], {"alpha": 1.3}, second=True)
    case(g, "leaky_relu", "leaky_relu", [("a", randn(4, 5), True)], {"slope": 0.05})
    case(g, "clamp_both", "clamp", [("a", randn(4, 5), True)], {"min": -0.5, "max": 0.7})
    case(g, "clamp_min", "clamp", [("a", randn(4, 5), True)], {"min": 0.1})
    case(g, "where", "where", [("cond", mask(3, 4), False), ("a", randn(3, 4), True), ("b", randn(4), True)])
    case(g, "masked_fill", "masked_fill", [("a", randn(2, 3, 4), True), ("mask", mask(3, 1), False)], {"value": -7.5})
    case(g, "compare_broadcast", "compare", [("a", np.round(randn(3, 4)), False), ("b", np.round(randn(4)), False)])


def reductions():
    g = "reductions"
    x = randn(3, 4, 5)
    for dims, keep in [(None, False), ([0], False), ([1], True), ([0, 2], False), ([-1], True)]:
        p = {"dims": dims, "keepdim": keep}
        suffix = "all" if dims is None else "_".join(map(str, dims)) + ("_keep" if keep else "")
        case(g, f"sum_{suffix}", "sum", [("a", x, True)], p, second=True)
        case(g, f"mean_{suffix}", "mean", [("a", x, True)], p)
    case(g, "sum_transposed", "sum", [("a", randn(5, 4), True)], {"dims": [1], "keepdim": False}, views={"a": [["t"]]})
    case(g, "sum_empty", "sum", [("a", randn(0, 4), True)], {"dims": [0], "keepdim": False})
    case(g, "sum_large", "sum", [("a", randn(4, 8192), True)], {"dims": [1], "keepdim": False}, rtol=1e-4, atol=1e-4)
    for c in [0, 1]:
        case(g, f"var_c{c}", "var", [("a", x, True)], {"dims": [1, 2], "correction": c, "keepdim": False}, second=True)
        case(g, f"std_c{c}", "std", [("a", x, True)], {"dims": [0], "correction": c, "keepdim": True})
    distinct = rng.permutation(60).astype(np.float32).reshape(3, 4, 5) / 7
    case(g, "max_dim", "max_dim", [("a", distinct, True)], {"dim": 1, "keepdim": False})
    case(g, "min_dim_keep", "min_dim", [("a", distinct, True)], {"dim": -1, "keepdim": True})
    case(g, "argmax", "argmax", [("a", distinct, False)], {"dim": 2, "keepdim": False})
    case(g, "logsumexp", "logsumexp", [("a", np.float32(10) * x, True)], {"dims": [1], "keepdim": False}, second=True)
    case(g, "logsumexp_keep", "logsumexp", [("a", x, True)], {"dims": [0, 2], "keepdim": True})
    for d in [0, 1, -1]:
        case(g, f"softmax_{d}", "softmax", [("a", x * 3, True)], {"dim": d}, second=True)
        case(g, f"log_softmax_{d}", "log_softmax", [("a", x * 3, True)], {"dim": d}, second=True)
    case(g, "softmax_strided", "softmax", [("a", randn(5, 4), True)], {"dim": -1}, views={"a": [["t"]]})
    case(g, "topk_largest", "topk", [("a", distinct, True)], {"k": 3, "dim": -1, "largest": True})
    case(g, "topk_smallest", "topk", [("a", distinct, True)], {"k": 2, "dim": 1, "largest": False})


def products():
    g = "products"
    mm = [("dot", (7,), (7,)), ("vec_mat", (3,), (3, 5)), ("mat_vec", (4, 3), (3,)), ("mat_mat", (4, 3), (3, 5)),
          ("batch_broadcast", (2, 1, 3, 4), (5, 4, 2)), ("batch_vec", (2, 3, 4), (4,)), ("vec_batch", (4,), (2, 4, 3)),
          ("stack_mat", (2, 3, 4), (4, 6)), ("empty_k", (3, 0), (0, 4)), ("empty_m", (0, 3), (3, 4))]
    for name, sa, sb in mm:
        case(g, f"matmul_{name}", "matmul", [("a", randn(*sa), True), ("b", randn(*sb), True)], second=name in ("mat_mat", "batch_broadcast"))
    case(g, "matmul_transposed", "matmul", [("a", randn(4, 3), True), ("b", randn(5, 4), True)], views={"a": [["t"]], "b": [["t"]]})
    case(g, "matmul_long_k", "matmul", [("a", randn(8, 1000), True), ("b", randn(1000, 6), True)], rtol=1e-4, atol=1e-4)
    case(g, "bmm", "bmm", [("a", randn(3, 4, 5), True), ("b", randn(3, 5, 2), True)], second=True)
    eqs = [("sd,hde->hse", [(5, 16), (4, 16, 4)]), ("hse,hek->hsk", [(4, 5, 4), (4, 4, 5)]), ("hij,hjk->hik", [(4, 5, 5), (4, 5, 4)]),
           ("nqd,nkd->nqk", [(2, 3, 8), (2, 6, 8)]), ("nqk,nvd->nqd", [(2, 3, 6), (2, 6, 8)]), ("i,j->ij", [(3,), (4,)]),
           ("ij->", [(3, 4)]), ("ij->ji", [(3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
           ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ik,jk", [(3, 4), (5, 4)])]
    for i, (eq, shapes) in enumerate(eqs):
        inputs = [(f"x{j}", randn(*s), True) for j, s in enumerate(shapes)]
        case(g, f"einsum_{i}", "einsum", inputs, {"equation": eq}, second=i < 5)


def indexing():
    g = "indexing"
    a = randn(3, 5, 4)
    case(g, "gather_1", "gather", [("a", a, True), ("index", ints(0, 5, 3, 2, 4), False)], {"dim": 1}, second=True)
    case(g, "gather_last", "gather", [("a", a, True), ("index", ints(0, 4, 2, 3, 2), False)], {"dim": -1})
    case(g, "scatter_add", "scatter_add", [("a", randn(3, 5), True), ("index", ints(0, 5, 3, 4), False), ("src", randn(3, 4), True)], {"dim": 1}, second=True)
    case(g, "index_select_0", "index_select", [("a", a, True), ("index", np.array([2, 0, 2, 1], dtype=np.int64), False)], {"dim": 0})
    case(g, "index_select_2", "index_select", [("a", a, True), ("index", np.array([3, 3, 1], dtype=np.int64), False)], {"dim": 2}, second=True)
    case(g, "embedding", "embedding", [("ids", ints(0, 10, 2, 5), False), ("weight", randn(10, 6), True)])
    ids = ints(0, 10, 3, 4)
    ids[0, 0] = 2
    case(g, "embedding_padding", "embedding", [("ids", ids, False), ("weight", randn(10, 6), True)], {"padding_idx": 2})
    case(g, "cat_1", "cat", [("x0", randn(2, 3), True), ("x1", randn(2, 5), True), ("x2", randn(2, 0), True)], {"dim": 1})
    case(g, "cat_0_strided", "cat", [("x0", randn(3, 2), True), ("x1", randn(2, 3), True)], {"dim": 0}, views={"x0": [["t"]]})
    case(g, "stack", "stack", [("x0", randn(2, 3), True), ("x1", randn(2, 3), True)], {"dim": 1})
    case(g, "split", "split", [("a", randn(7, 3), True)], {"size": 3, "dim": 0})
    case(g, "chunk", "chunk", [("a", randn(2, 10), True)], {"chunks": 4, "dim": 1})
    case(g, "view_ops", "view_ops", [("a", randn(2, 3, 4), True)], {"shape": [4, -1], "perm": [2, 0, 1], "narrow": [2, 1, 2]})
    case(g, "expand_add", "add", [("a", randn(3, 1), True), ("b", randn(2, 1, 4), True)], views={"a": [["expand", [3, 4]]]})
    case(g, "select_step", "mul", [("a", randn(4, 6), True), ("b", randn(3), True)], views={"a": [["select", 0, 2], ["slice", 0, 1, 6, 2]]})


def convolution():
    # Convolution gradients sum many products that cancel; an absolute tolerance of 1e-5 on values
    # of order 1 covers the different summation order of im2col and PyTorch's kernels.
    g = "convolution"
    case(g, "conv2d_basic", "conv2d", [("x", randn(2, 3, 7, 6), True), ("w", randn(4, 3, 3, 3), True), ("b", randn(4), True)],
         {"stride": 1, "padding": 1, "dilation": 1, "groups": 1}, second=True)
    case(g, "conv2d_stride_dilation", "conv2d", [("x", randn(2, 4, 9, 8), True), ("w", randn(6, 2, 3, 2), True)],
         {"stride": [2, 1], "padding": [1, 2], "dilation": [2, 1], "groups": 2})
    case(g, "conv2d_depthwise", "conv2d", [("x", randn(2, 6, 10, 10), True), ("w", randn(6, 1, 7, 7), True), ("b", randn(6), True)],
         {"stride": 1, "padding": 3, "dilation": 1, "groups": 6}, second=True)
    case(g, "conv2d_1x1_stride2", "conv2d", [("x", randn(1, 8, 6, 6), True), ("w", randn(5, 8, 1, 1), True)],
         {"stride": 2, "padding": 0, "dilation": 1, "groups": 1})
    case(g, "conv1d", "conv1d", [("x", randn(2, 3, 20), True), ("w", randn(5, 3, 4), True), ("b", randn(5), True)],
         {"stride": 2, "padding": 1, "dilation": 1, "groups": 1}, second=True)
    case(g, "conv1d_groups_dilation", "conv1d", [("x", randn(1, 4, 16), True), ("w", randn(4, 2, 3), True)],
         {"stride": 1, "padding": 2, "dilation": 2, "groups": 2})
    case(g, "conv_transpose1d", "conv_transpose1d", [("x", randn(2, 4, 9), True), ("w", randn(4, 3, 8), True), ("b", randn(3), True)],
         {"stride": 4, "padding": 2, "output_padding": 1, "groups": 1, "dilation": 1}, second=True)
    case(g, "conv_transpose1d_groups", "conv_transpose1d", [("x", randn(1, 4, 7), True), ("w", randn(4, 2, 3), True)],
         {"stride": 2, "padding": 0, "output_padding": 0, "groups": 2, "dilation": 2})
    case(g, "conv_transpose2d", "conv_transpose2d", [("x", randn(2, 3, 4, 5), True), ("w", randn(3, 2, 3, 3), True), ("b", randn(2), True)],
         {"stride": 2, "padding": 1, "output_padding": 1, "groups": 1, "dilation": 1}, second=True)
    case(g, "max_pool2d", "max_pool2d", [("x", randn(2, 3, 8, 8), True)], {"kernel": 2, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": False}, second=True)
    case(g, "max_pool2d_pad_stride", "max_pool2d", [("x", randn(1, 2, 9, 7), True)], {"kernel": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": False})
    case(g, "max_pool2d_ceil_dilation", "max_pool2d", [("x", randn(1, 2, 10, 9), True)], {"kernel": 2, "stride": 2, "padding": 0, "dilation": 2, "ceil_mode": True})
    case(g, "avg_pool2d", "avg_pool2d", [("x", randn(2, 3, 8, 6), True)], {"kernel": 2, "stride": 2, "padding": 0, "count_include_pad": True})
    case(g, "avg_pool2d_pad", "avg_pool2d", [("x", randn(1, 2, 7, 7), True)], {"kernel": 3, "stride": 2, "padding": 1, "count_include_pad": True})
    case(g, "avg_pool2d_pad_exclude", "avg_pool2d", [("x", randn(1, 2, 7, 7), True)], {"kernel": 3, "stride": 2, "padding": 1, "count_include_pad": False})
    case(g, "adaptive_avg_pool2d", "adaptive_avg_pool2d", [("x", randn(2, 3, 7, 9), True)], {"size": [3, 4]}, second=True)
    case(g, "adaptive_avg_pool2d_1", "adaptive_avg_pool2d", [("x", randn(2, 3, 5, 5), True)], {"size": [1, 1]})
    case(g, "interp_nearest_size", "interpolate", [("x", randn(1, 2, 4, 5), True)], {"size": [7, 3], "mode": "nearest"})
    case(g, "interp_nearest_scale", "interpolate", [("x", randn(1, 2, 3, 4), True)], {"scale": 2.0, "mode": "nearest"})
    case(g, "interp_bilinear", "interpolate", [("x", randn(2, 2, 4, 5), True)], {"size": [7, 9], "mode": "bilinear", "align_corners": False}, second=True)
    case(g, "interp_bilinear_align", "interpolate", [("x", randn(1, 2, 4, 5), True)], {"size": [8, 3], "mode": "bilinear", "align_corners": True})
    case(g, "interp_bilinear_down", "interpolate", [("x", randn(1, 1, 9, 8), True)], {"size": [4, 3], "mode": "bilinear", "align_corners": False})


def normalization_and_losses():
    g = "nn"
    case(g, "layer_norm", "layer_norm", [("x", randn(2, 3, 8) * 3 + 1, True), ("w", randn(8), True), ("b", randn(8), True)], {"shape": [8], "eps": 1e-5}, second=True)
    case(g, "layer_norm_2d", "layer_norm", [("x", randn(2, 3, 4), True)], {"shape": [3, 4], "eps": 1e-5})
    case(g, "batch_norm_train", "batch_norm_train", [("x", randn(4, 3, 5, 5) * 2 + 1, True), ("rm", randn(3), False), ("rv", positive(3), False),
                                                      ("w", randn(3), True), ("b", randn(3), True)], {"momentum": 0.1, "eps": 1e-5}, second=True)
    case(g, "batch_norm_train_1d", "batch_norm_train", [("x", randn(6, 4), True), ("rm", np.zeros(4, np.float32), False), ("rv", np.ones(4, np.float32), False)],
         {"momentum": 0.3, "eps": 1e-5})
    case(g, "batch_norm_eval", "batch_norm_eval", [("x", randn(2, 3, 4, 4), True), ("rm", randn(3), False), ("rv", positive(3), False),
                                                    ("w", randn(3), True), ("b", randn(3), True)], {"eps": 1e-5})
    case(g, "group_norm", "group_norm", [("x", randn(2, 6, 4, 3), True), ("w", randn(6), True), ("b", randn(6), True)], {"groups": 3, "eps": 1e-5}, second=True)
    logits, target = randn(6, 5) * 2, ints(0, 5, 6)
    base = {"ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0}
    case(g, "ce_plain", "cross_entropy", [("logits", logits, True), ("target", target, False)], base, second=True)
    case(g, "ce_sum", "cross_entropy", [("logits", logits, True), ("target", target, False)], {**base, "reduction": "sum"})
    case(g, "ce_none", "cross_entropy", [("logits", logits, True), ("target", target, False)], {**base, "reduction": "none"})
    case(g, "ce_weight", "cross_entropy", [("logits", logits, True), ("target", target, False), ("weight", positive(5), False)], base)
    case(g, "ce_smoothing", "cross_entropy", [("logits", logits, True), ("target", target, False)], {**base, "label_smoothing": 0.1}, second=True)
    case(g, "ce_weight_smoothing", "cross_entropy", [("logits", logits, True), ("target", target, False), ("weight", positive(5), False)],
         {**base, "label_smoothing": 0.2})
    ignored = target.copy()
    ignored[[1, 4]] = -100
    case(g, "ce_ignore", "cross_entropy", [("logits", logits, True), ("target", ignored, False)], base)
    case(g, "ce_spatial", "cross_entropy", [("logits", randn(2, 4, 3, 3), True), ("target", ints(0, 4, 2, 3, 3), False)], base)
    for red in ["mean", "sum", "none"]:
        case(g, f"bce_{red}", "bce_with_logits", [("x", randn(4, 3) * 3, True), ("y", rng.random((4, 3)).astype(np.float32), False)], {"reduction": red})
        case(g, f"mse_{red}", "mse", [("a", randn(4, 3), True), ("b", randn(4, 3), True)], {"reduction": red})
        case(g, f"l1_{red}", "l1", [("a", randn(4, 3), True), ("b", randn(4, 3), True)], {"reduction": red})
    case(g, "bce_weights", "bce_with_logits", [("x", randn(4, 3) * 3, True), ("y", rng.random((4, 3)).astype(np.float32), False),
                                                ("weight", positive(3), False), ("pos_weight", positive(3), False)], {"reduction": "mean"}, second=True)
    case(g, "bce_extreme", "bce_with_logits", [("x", np.array([-100, -20, 0, 20, 100], np.float32), True), ("y", np.array([0, 1, 0.5, 0, 1], np.float32), False)],
         {"reduction": "sum"})
    case(g, "cosine_similarity", "cosine_similarity", [("a", randn(4, 6), True), ("b", randn(4, 6), True)], {"dim": 1, "eps": 1e-8}, second=True)
    case(g, "cosine_similarity_broadcast", "cosine_similarity", [("a", randn(3, 1, 5), True), ("b", randn(4, 5), True)], {"dim": -1, "eps": 1e-8})
    case(g, "linear", "linear", [("x", randn(2, 3, 5), True), ("w", randn(4, 5), True), ("b", randn(4), True)], {}, second=True)
    case(g, "linear_nobias", "linear", [("x", randn(6, 5), True), ("w", randn(3, 5), True)], {})
    case(g, "sdpa", "sdpa", [("q", randn(2, 2, 5, 4), True), ("k", randn(2, 2, 6, 4), True), ("v", randn(2, 2, 6, 3), True)], {}, second=True)
    case(g, "sdpa_causal", "sdpa", [("q", randn(2, 5, 4), True), ("k", randn(2, 5, 4), True), ("v", randn(2, 5, 4), True)], {"causal": True})
    m = mask(2, 1, 5, 6)
    m[..., 0] = True
    case(g, "sdpa_mask", "sdpa", [("q", randn(2, 2, 5, 4), True), ("k", randn(2, 2, 6, 4), True), ("v", randn(2, 2, 6, 3), True), ("mask", m, False)], {})


def maml():
    """A second-order MAML meta-step through conv2d, batch_norm, relu, max_pool2d, linear and cross_entropy."""
    ways, shots, steps, inner_lr = 5, 2, 2, 0.4
    params = {"conv.w": randn(4, 1, 3, 3, scale=0.5), "conv.b": randn(4, scale=0.1), "bn.w": 1 + randn(4, scale=0.1),
              "bn.b": randn(4, scale=0.1), "fc.w": randn(ways, 4 * 4 * 4, scale=0.2), "fc.b": randn(ways, scale=0.1)}
    xs, ys = randn(ways * shots, 1, 8, 8), np.repeat(np.arange(ways), shots).astype(np.int64)
    xq, yq = randn(ways * shots, 1, 8, 8), np.repeat(np.arange(ways), shots).astype(np.int64)
    tensors = {f"param.{k}": v for k, v in params.items()}
    tensors.update({"support.x": xs, "support.y": ys, "query.x": xq, "query.y": yq})

    def forward(p, x):
        h = F.conv2d(x, p["conv.w"], p["conv.b"], padding=1)
        h = F.batch_norm(h, None, None, p["bn.w"], p["bn.b"], training=True)
        h = F.max_pool2d(F.relu(h), 2)
        return F.linear(h.flatten(1), p["fc.w"], p["fc.b"])

    theta = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in params.items()}
    fast = dict(theta)
    for step in range(steps):
        loss = F.cross_entropy(forward(fast, torch.from_numpy(xs)), torch.from_numpy(ys))
        tensors[f"inner_loss.{step}"] = loss.detach().numpy().reshape(())
        grads = torch.autograd.grad(loss, list(fast.values()), create_graph=True)
        fast = {k: w - inner_lr * g for (k, w), g in zip(fast.items(), grads)}
    query_loss = F.cross_entropy(forward(fast, torch.from_numpy(xq)), torch.from_numpy(yq))
    tensors["query_loss"] = query_loss.detach().numpy().reshape(())
    meta = torch.autograd.grad(query_loss, list(theta.values()))
    for k, g in zip(theta, meta):
        tensors[f"meta_grad.{k}"] = g.numpy()
    GROUPS["maml"] = (tensors, {"config": json.dumps({"ways": ways, "shots": shots, "steps": steps, "inner_lr": inner_lr})})


def inference():
    """The inference-path kernels: max pool without indices (SIMD, threads), average pool, eval batch norm as one
    scale+shift pass, fused add+ReLU and conv-BN weight folding. Small sizes with odd widths for the vector
    tails; splitting over threads is checked in Corvid's tests against one thread (InferencePathTests)."""
    g = "inference"
    x = randn(1, 4, 20, 52)
    case(g, "max_pool2d_resnet", "max_pool2d", [("x", x, True)], {"kernel": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": False})
    special = randn(1, 3, 9, 40)
    special[0, 0, 2, 5] = np.nan
    special[0, 1, 4, 17] = np.nan
    special[0, 2, :, 30:] = -np.inf
    case(g, "max_pool2d_stride1_nan_inf", "max_pool2d", [("x", special, True)], {"kernel": 3, "stride": 1, "padding": 1, "dilation": 1, "ceil_mode": False})
    case(g, "max_pool2d_rect_dilated_ceil", "max_pool2d", [("x", randn(2, 3, 11, 37), True)],
         {"kernel": [3, 2], "stride": [2, 3], "padding": [1, 1], "dilation": [2, 1], "ceil_mode": True})
    case(g, "max_pool2d_stride2_ceil_odd", "max_pool2d", [("x", randn(2, 4, 13, 35), True)], {"kernel": 3, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": True})
    case(g, "batch_norm_eval_planes", "batch_norm_eval", [("x", randn(2, 6, 7, 19) * 2 + 1, True), ("rm", randn(6), False), ("rv", positive(6), False),
                                                           ("w", randn(6), True), ("b", randn(6), True)], {"eps": 1e-5}, second=True)
    case(g, "batch_norm_eval_no_affine", "batch_norm_eval", [("x", randn(2, 5, 3, 3), True), ("rm", randn(5), False), ("rv", positive(5), False)], {"eps": 1e-3})
    case(g, "batch_norm_eval_1d", "batch_norm_eval", [("x", randn(6, 19), True), ("rm", randn(19), False), ("rv", positive(19), False),
                                                       ("w", randn(19), True), ("b", randn(19), True)], {"eps": 1e-5})
    case(g, "add_relu", "add_relu", [("a", randn(2, 3, 5, 7), True), ("b", randn(2, 3, 5, 7), True)], {}, second=True)
    case(g, "add_relu_one_operand_grad", "add_relu", [("a", randn(3, 37), True), ("b", randn(3, 37), False)], {})
    case(g, "conv_bn_fold", "conv_bn_eval", [("x", randn(2, 6, 11, 10), False), ("w", randn(8, 6, 3, 3), False), ("rm", randn(8), False),
                                              ("rv", positive(8), False), ("g", randn(8), False), ("b", randn(8), False)],
         {"stride": 2, "padding": 1, "eps": 1e-5}, atol=1e-5)
    case(g, "conv_bn_fold_conv_bias", "conv_bn_eval", [("x", randn(1, 4, 9, 9), False), ("w", randn(5, 4, 1, 1), False), ("cb", randn(5), False),
                                                        ("rm", randn(5), False), ("rv", positive(5), False), ("g", randn(5), False), ("b", randn(5), False)],
         {"stride": 1, "padding": 0, "eps": 1e-5}, atol=1e-5)


def training():
    """The training-path fast paths: sums over leading/trailing dim blocks read in place, the fused
    training batch norm and layer norm (first and second order), vectorised erf/GELU and the masked relu
    backward. Odd sizes exercise the vector tails; splitting work between threads (above 2^15-2^16
    elements, too large for a fixture) is checked in Corvid's tests against one thread (TrainingPathTests)."""
    g = "training"
    case(g, "sum_nchw_channels", "sum", [("a", randn(4, 3, 5, 7), True)], {"dims": [0, 2, 3], "keepdim": True}, second=True)
    case(g, "mean_nchw_channels", "mean", [("a", randn(4, 3, 5, 7), True)], {"dims": [0, 2, 3], "keepdim": False}, second=True)
    case(g, "sum_rows_bias_grad", "sum", [("a", randn(37, 21), True)], {"dims": [0], "keepdim": False})
    case(g, "mean_leading_block", "mean", [("a", randn(3, 4, 9), True)], {"dims": [0, 1], "keepdim": True})
    case(g, "sum_leading_and_trailing", "sum", [("a", randn(2, 3, 4, 5), True)], {"dims": [0, 3], "keepdim": False})
    case(g, "sum_size_one_dims", "sum", [("a", randn(1, 6, 1, 5), True)], {"dims": [0, 2, 3], "keepdim": True})
    grid = np.concatenate([np.linspace(-5, 5, 4001, dtype=np.float32), np.float32(10.0) ** np.linspace(-30, 0, 61, dtype=np.float32),
                           -np.float32(10.0) ** np.linspace(-30, 0, 61, dtype=np.float32), np.array([np.inf, -np.inf, np.nan], np.float32)]).astype(np.float32)
    # torch's erf is within 1 ulp; Corvid's within 2: rtol 3e-7 is about 2.5 ulp.
    case(g, "erf_grid", "erf", [("a", grid, False)], rtol=3e-7, atol=0.0)
    case(g, "gelu_strided", "gelu", [("a", randn(6, 10), True)], {"approximate": "none"}, views={"a": [["t"]]}, second=True)
    case(g, "gelu_edge", "gelu", [("a", np.array([0, -0.0, 1e-20, -1e-20, 3, -3, 6, -6, 12, -12, 40, -40], np.float32), True)], {"approximate": "none"}, second=True)
    case(g, "relu_rows", "relu", [("a", randn(5, 37), True)], second=True)
    case(g, "mul_broadcast_both_rows", "mul", [("a", randn(3, 1, 1), True), ("b", randn(1, 4, 1), True)], views={"a": [["expand", [3, 4, 5]]]}, second=True)
    case(g, "batch_norm_train_offset", "batch_norm_train", [("x", randn(6, 5, 9, 11) * 3 - 2, True), ("rm", randn(5), False), ("rv", positive(5), False),
                                                             ("w", randn(5), True), ("b", randn(5), True)], {"momentum": 0.1, "eps": 1e-5})
    case(g, "batch_norm_train_no_affine", "batch_norm_train", [("x", randn(5, 3, 7, 3) + 4, True), ("rm", randn(3), False), ("rv", positive(3), False)],
         {"momentum": 0.2, "eps": 1e-3}, second=True)
    case(g, "batch_norm_train_weight_only_grad", "batch_norm_train", [("x", randn(4, 6, 5), False), ("rm", randn(6), False), ("rv", positive(6), False),
                                                                       ("w", randn(6), True), ("b", randn(6), False)], {"momentum": 0.1, "eps": 1e-5})
    case(g, "layer_norm_rows", "layer_norm", [("x", randn(12, 259) * 2 + 1, True), ("w", randn(259), True), ("b", randn(259), True)],
         {"shape": [259], "eps": 1e-5})
    case(g, "gelu_rows", "gelu", [("a", randn(7, 131) * 3, True)], {"approximate": "none"})
    case(g, "layer_norm_no_affine", "layer_norm", [("x", randn(3, 2, 19), True)], {"shape": [19], "eps": 1e-5}, second=True)
    case(g, "layer_norm_2d_affine", "layer_norm", [("x", randn(2, 3, 4, 5), True), ("w", randn(4, 5), True), ("b", randn(4, 5), True)],
         {"shape": [4, 5], "eps": 1e-5}, second=True)
    # A broadcast product's gradient summed as it is made (first order; under create-graph it is op by op).
    case(g, "mul_channel_scale", "mul", [("a", randn(4, 3, 5, 7), True), ("b", randn(1, 3, 1, 1), True)])
    case(g, "mul_row_scale", "mul", [("a", randn(9, 21), True), ("b", randn(21), True)])
    case(g, "mul_leading_and_trailing", "mul", [("a", randn(2, 3, 4, 5), True), ("b", randn(3, 4, 1), True)])


def inference_average_pool():
    """Average pooling on the inference path's kernels (same group; called last so earlier cases keep their inputs)."""
    g = "inference"
    case(g, "avg_pool2d_odd_second", "avg_pool2d", [("x", randn(2, 3, 13, 35), True)], {"kernel": 3, "stride": 2, "padding": 1, "count_include_pad": True}, second=True)
    case(g, "avg_pool2d_stride1_exclude", "avg_pool2d", [("x", randn(1, 4, 9, 21), True)],
         {"kernel": [3, 5], "stride": [1, 1], "padding": [1, 2], "count_include_pad": False})


def max_pool_2x2_fast_path():
    """2x2 stride-2 max pooling on its specialised kernel: rows of 16+ outputs, odd edges outside every window (last, so earlier cases keep their inputs)."""
    g = "inference"
    case(g, "max_pool2d_2x2_wide_odd", "max_pool2d", [("x", randn(2, 3, 9, 37), True)], {"kernel": 2, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": False}, second=True)
    case(g, "max_pool2d_2x2_rows32", "max_pool2d", [("x", randn(2, 4, 32, 32), True)], {"kernel": 2, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": False})


def linear_fused():
    """F.linear on the fused addmm path: shapes big enough for the blocked GEMM, strided operands, a 1-D input."""
    g = "linear"
    tol = {"rtol": 1e-5, "atol": 1e-5}
    case(g, "linear_blocked", "linear", [("x", randn(3, 40, 33), True), ("w", randn(70, 33), True), ("b", randn(70), True)], {}, second=True, **tol)
    case(g, "linear_strided", "linear", [("x", randn(33, 50), True), ("w", randn(33, 20), True), ("b", randn(20), True)], {},
         views={"x": [("t",)], "w": [("t",)]}, second=True, **tol)
    case(g, "linear_weight_rows", "linear", [("x", randn(2, 9, 16), True), ("w", randn(48, 16), True), ("b", randn(48), True)], {},
         views={"w": [("slice", 0, 16, 32, 1)], "b": [("slice", 0, 16, 32, 1)]}, second=True, **tol)
    case(g, "linear_vector", "linear", [("x", randn(33), True), ("w", randn(17, 33), True), ("b", randn(17), True)], {}, **tol)
    case(g, "linear_nobias_blocked", "linear", [("x", randn(64, 24), True), ("w", randn(40, 24), True)], {}, second=True, **tol)


def max_pool_2x2_row_groups():
    """2x2 stride-2 max pooling on rows of 8 and 4 outputs (several output rows per vector), leftover rows and odd edges (last, so earlier cases keep their inputs)."""
    g = "inference"
    case(g, "max_pool2d_2x2_rows8", "max_pool2d", [("x", randn(2, 3, 11, 17), True)], {"kernel": 2, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": False}, second=True)
    case(g, "max_pool2d_2x2_rows4", "max_pool2d", [("x", randn(1, 2, 13, 9), True)], {"kernel": 2, "stride": 2, "padding": 0, "dilation": 1, "ceil_mode": False}, second=True)


def cross_entropy_fused():
    """Cross-entropy on the fused path (class indices, no weights or smoothing): a vocabulary-wide row with a ragged
    vector tail, many rows, ignored targets with each reduction, a transposed logits view, large logits, second order."""
    g = "nn"
    base = {"ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0}
    logits, target = randn(24, 515) * 3, ints(0, 515, 24)
    case(g, "ce_fused_wide", "cross_entropy", [("logits", logits, True), ("target", target, False)], base, second=True)
    logits, ignored = randn(20, 77) * 3, ints(0, 77, 20)
    ignored[[0, 5, 19]] = -100
    for red in ["mean", "sum", "none"]:
        case(g, f"ce_fused_ignore_{red}", "cross_entropy", [("logits", logits, True), ("target", ignored, False)], {**base, "reduction": red},
             second=red == "none")
    case(g, "ce_fused_transposed", "cross_entropy", [("logits", randn(19, 23), True), ("target", ints(0, 19, 23), False)], base,
         views={"logits": [("t",)]}, second=True)
    case(g, "ce_fused_large", "cross_entropy", [("logits", randn(9, 40) * 60, True), ("target", ints(0, 40, 9), False)], {**base, "reduction": "sum"})


def main():
    elementwise()
    reductions()
    products()
    indexing()
    convolution()
    normalization_and_losses()
    maml()
    inference()  # last, so the cases before it keep their random inputs
    training()  # after the others for the same reason
    inference_average_pool()
    max_pool_2x2_fast_path()
    linear_fused()  # a group of its own, last so the earlier cases keep their inputs
    max_pool_2x2_row_groups()  # after linear_fused for the same reason
    cross_entropy_fused()  # last, for the same reason
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for group, (tensors, metadata) in GROUPS.items():
        if group == "maml":
            safetensors_io.save(os.path.join(OUT, "maml.safetensors"), tensors, metadata)
            continue
        safetensors_io.save(os.path.join(OUT, f"{group}.safetensors"), tensors, metadata)
        total += len(metadata)
        print(f"{group}: {len(metadata)} cases, {sum(t.nbytes for t in tensors.values()) // 1024} KiB")
    print(f"{total} cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
