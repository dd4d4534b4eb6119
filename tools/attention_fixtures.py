#!/usr/bin/python3
"""PyTorch reference for Corvid's MultiheadAttention (torch.nn.MultiheadAttention, batch_first=True).

    /usr/bin/python3 tools/attention_fixtures.py
writes tests/Corvid.Nn.Tests/Fixtures/attention.safetensors: for each case the module's state dict,
inputs, outputs, averaged attention weights, an upstream gradient and the gradients of the inputs
and of in_proj_weight.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "Corvid.Nn.Tests", "Fixtures", "attention.safetensors")
torch.manual_seed(1)
tensors, meta = {}, {}


def case(name, d, h, b, l, s, bias=True, causal=False, padding=False, cross=False):
    mha = torch.nn.MultiheadAttention(d, h, bias=bias, batch_first=True)
    if bias:  # torch initialises these to zero; random values test that they are used
        with torch.no_grad():
            mha.in_proj_bias.normal_()
            mha.out_proj.bias.normal_()
    q = torch.randn(b, l, d, requires_grad=True)
    kv = torch.randn(b, s, d, requires_grad=True) if cross else q
    mask = torch.ones(l, s, dtype=torch.bool).triu(1) if causal else None
    pad = None
    if padding:
        pad = torch.zeros(b, s, dtype=torch.bool)
        pad[0, -2:] = True
    out, weights = mha(q, kv, kv, key_padding_mask=pad, attn_mask=mask, need_weights=True)
    gout = torch.randn_like(out)
    inputs = [q] + ([kv] if cross else [])
    grads = torch.autograd.grad(out, inputs + [mha.in_proj_weight], gout)
    for k, v in mha.state_dict().items():
        tensors[f"{name}.state.{k}"] = v.numpy()
    tensors[f"{name}.query"] = q.detach().numpy()
    if cross:
        tensors[f"{name}.kv"] = kv.detach().numpy()
        tensors[f"{name}.grad.kv"] = grads[1].numpy()
    if pad is not None:
        tensors[f"{name}.padding"] = pad.numpy()
    tensors[f"{name}.out"] = out.detach().numpy()
    tensors[f"{name}.weights"] = weights.detach().numpy()
    tensors[f"{name}.gout"] = gout.numpy()
    tensors[f"{name}.grad.query"] = grads[0].numpy()
    tensors[f"{name}.grad.in_proj_weight"] = grads[-1].numpy()
    meta[name] = json.dumps({"dim": d, "heads": h, "bias": bias, "causal": causal, "padding": padding, "cross": cross})


case("self", 16, 4, 2, 5, 5)
case("self_nobias", 8, 2, 1, 4, 4, bias=False)
case("causal", 16, 4, 2, 6, 6, causal=True)
case("padding", 12, 3, 2, 5, 5, padding=True)
case("cross", 16, 2, 2, 3, 7, cross=True)
safetensors_io.save(OUT, {k: np.asarray(v) for k, v in tensors.items()}, meta)
print(f"{len(meta)} cases, torch {torch.__version__}")
