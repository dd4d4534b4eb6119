#!/usr/bin/python3
"""PyTorch reference for Corvid's MultiheadAttention (torch.nn.MultiheadAttention, batch_first=True).

    /usr/bin/python3 tools/attention_fixtures.py
writes tests/Corvid.Nn.Tests/Fixtures/attention.safetensors: for each case the module's state dict,
inputs, outputs, averaged attention weights, an upstream gradient and the gradients of the inputs,
of in_proj_weight and in_proj_bias; cases marked second_order also hold d/d(query) of the squared norm of
in_proj_weight's gradient (create_graph), which goes through the attention's backward twice.
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


def case(name, d, h, b, l, s, bias=True, causal=False, padding=False, cross=False, second_order=False):
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
    grads = torch.autograd.grad(out, inputs + [mha.in_proj_weight], gout, retain_graph=True)
    if bias:
        tensors[f"{name}.grad.in_proj_bias"] = torch.autograd.grad(out, mha.in_proj_bias, gout, retain_graph=True)[0].numpy()
    if second_order:
        # The fused attention must fall back to a differentiable backward under create_graph.
        out2 = mha(q, kv, kv, key_padding_mask=pad, attn_mask=mask, need_weights=False)[0]
        gw = torch.autograd.grad(out2, mha.in_proj_weight, gout, create_graph=True)[0]
        tensors[f"{name}.grad2.query"] = torch.autograd.grad(gw.square().sum(), q)[0].numpy()
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
    meta[name] = json.dumps({"dim": d, "heads": h, "bias": bias, "causal": causal, "padding": padding, "cross": cross,
                             "second_order": second_order})


case("self", 16, 4, 2, 5, 5, second_order=True)
case("self_nobias", 8, 2, 1, 4, 4, bias=False)
case("causal", 16, 4, 2, 6, 6, causal=True, second_order=True)
case("padding", 12, 3, 2, 5, 5, padding=True, second_order=True)
case("cross", 16, 2, 2, 3, 7, cross=True)
# Self-attention on packed q/k/v at sizes where the in-projection takes the blocked GEMM and the
# kernel splits 130 query rows into two blocks (ragged last block), causal and not.
case("packed_causal", 48, 3, 1, 130, 130, causal=True)
case("packed_padding", 96, 3, 3, 33, 33, padding=True)
safetensors_io.save(OUT, {k: np.asarray(v) for k, v in tensors.items()}, meta)
print(f"{len(meta)} cases, torch {torch.__version__}")
