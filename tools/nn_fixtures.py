#!/usr/bin/python3
"""Generates the PyTorch reference fixtures for Corvid.Nn (layers, optimizers, schedulers, init, safetensors).

Run from the repository root (Debian's python3-torch 1.13 and numpy, nothing else):
    /usr/bin/python3 tools/nn_fixtures.py

Writes tests/Corvid.Nn.Tests/Fixtures/:
  layers.safetensors      per case: the module's state dict (PyTorch names), input, output, a random
                          upstream gradient and the gradients of the input and of every parameter.
                          Metadata: per case {"module": repr, "train": bool, "rtol", "atol"}.
  batchnorm.safetensors   per case: three training steps (inputs, outputs), the gradients of the last
                          step, running statistics after them, then an eval-mode input and output.
  optim.safetensors       initial parameters, a sequence of gradients, and per optimizer config the
                          parameters after every step. Metadata: per config the optimizer, its
                          arguments, parameter groups and an optional OneCycleLR.
  clip.safetensors        gradients before/after clip_grad_norm_ and the returned total norm.
  schedulers.json         learning rates (and momenta) of every scheduler config over its steps, as
                          exact Python floats (repr round-trips), so Corvid can match them to 1e-12.
  init.json               PyTorch's default-init bound (computed by torch.nn.init's own helpers) and
                          the empirical mean/std/max|w| of PyTorch-initialised layers.
  safetensors/python_written.safetensors
                          deterministic tensors (special floats, int64 extremes, bool, scalar, empty)
                          written by tools/safetensors_io.py; Corvid must read it bit-exactly and write
                          the same bytes.

Tolerances: rtol 1e-5 (float32 rounding of a few ops). Convolutions, pooling and composites use
atol 1e-5 as well, because weight gradients sum hundreds of products in a different order than
PyTorch's kernels (the relative error stays ~1e-6, but sums that cancel to near zero need an
absolute floor).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402
from check_safetensors_roundtrip import deterministic_tensors, DETERMINISTIC_METADATA  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "Corvid.Nn.Tests", "Fixtures")
rng = np.random.default_rng(20250501)
torch.manual_seed(0)
torch.set_num_threads(1)


def randn(*shape, scale=1.0):
    return np.asarray(rng.standard_normal(shape) * scale, dtype=np.float32)


def numpy_of(t):
    return t.detach().numpy().copy()


def randomize_affine(module):
    """Norm layers start at weight 1, bias 0; random values test the affine part too."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight") and isinstance(module, (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d)):
                p.copy_(torch.from_numpy(1.0 + randn(*p.shape, scale=0.3)))
            elif name.endswith("bias") and isinstance(module, (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d)):
                p.copy_(torch.from_numpy(randn(*p.shape, scale=0.3)))
    for child in module.children():
        randomize_affine(child)


# ---------------------------------------------------------------- layers

LAYER_CASES = [
    # name, module factory, input (numpy), train mode, tolerance group
    ("linear", lambda: nn.Linear(5, 3), lambda: randn(4, 5), True, "default"),
    ("linear_nobias_3d", lambda: nn.Linear(5, 3, bias=False), lambda: randn(2, 3, 5), True, "default"),
    ("sequential_mlp", lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)), lambda: randn(4, 6), True, "default"),
    ("conv1d", lambda: nn.Conv1d(3, 5, 3), lambda: randn(2, 3, 10), True, "conv"),
    ("conv1d_strided_groups", lambda: nn.Conv1d(4, 6, 5, stride=2, padding=2, groups=2), lambda: randn(2, 4, 17), True, "conv"),
    ("conv1d_dilated_nobias", lambda: nn.Conv1d(3, 4, 3, dilation=2, padding=2, bias=False), lambda: randn(2, 3, 11), True, "conv"),
    ("conv2d", lambda: nn.Conv2d(3, 4, 3), lambda: randn(2, 3, 8, 8), True, "conv"),
    ("conv2d_stride_pad_rect", lambda: nn.Conv2d(3, 6, (3, 5), stride=(2, 1), padding=(1, 2)), lambda: randn(2, 3, 9, 10), True, "conv"),
    ("conv2d_depthwise_nobias", lambda: nn.Conv2d(4, 8, 3, padding=1, groups=4, bias=False), lambda: randn(2, 4, 6, 6), True, "conv"),
    ("conv2d_dilated", lambda: nn.Conv2d(2, 3, 3, dilation=2, padding=2), lambda: randn(1, 2, 7, 9), True, "conv"),
    ("conv2d_unbatched", lambda: nn.Conv2d(3, 4, 3), lambda: randn(3, 6, 6), True, "conv"),
    ("conv_transpose1d", lambda: nn.ConvTranspose1d(4, 3, 4, stride=2, padding=1), lambda: randn(2, 4, 8), True, "conv"),
    ("conv_transpose1d_outpad_groups", lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), lambda: randn(2, 4, 7), True, "conv"),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), lambda: randn(2, 3, 5, 5), True, "conv"),
    ("conv_transpose2d_dilated_groups", lambda: nn.ConvTranspose2d(2, 4, (2, 3), stride=(1, 2), dilation=(2, 1), groups=2, bias=False), lambda: randn(2, 2, 4, 5), True, "conv"),
    ("embedding", lambda: nn.Embedding(10, 4), lambda: rng.integers(0, 10, (2, 5)).astype(np.int64), True, "default"),
    ("embedding_padding", lambda: nn.Embedding(10, 4, padding_idx=0), lambda: np.array([[0, 3, 0, 9], [1, 0, 5, 3]], dtype=np.int64), True, "default"),
    ("embedding_padding_negative", lambda: nn.Embedding(7, 3, padding_idx=-1), lambda: np.array([6, 2, 6, 0, 1], dtype=np.int64), True, "default"),
    ("layer_norm", lambda: nn.LayerNorm(8), lambda: randn(2, 3, 8), True, "default"),
    ("layer_norm_2d_shape", lambda: nn.LayerNorm([3, 4]), lambda: randn(2, 3, 4), True, "default"),
    ("layer_norm_no_affine", lambda: nn.LayerNorm(6, eps=1e-3, elementwise_affine=False), lambda: randn(5, 6), True, "default"),
    ("group_norm", lambda: nn.GroupNorm(2, 6), lambda: randn(2, 6, 4, 4), True, "default"),
    ("group_norm_no_affine_3d", lambda: nn.GroupNorm(3, 6, affine=False, eps=1e-3), lambda: randn(3, 6, 5), True, "default"),
    ("relu", lambda: nn.ReLU(), lambda: randn(3, 7), True, "default"),
    ("gelu", lambda: nn.GELU(), lambda: randn(3, 7), True, "default"),
    ("gelu_tanh", lambda: nn.GELU(approximate="tanh"), lambda: randn(3, 7), True, "default"),
    ("silu", lambda: nn.SiLU(), lambda: randn(3, 7), True, "default"),
    ("elu", lambda: nn.ELU(alpha=0.7), lambda: randn(3, 7), True, "default"),
    ("tanh", lambda: nn.Tanh(), lambda: randn(3, 7), True, "default"),
    ("sigmoid", lambda: nn.Sigmoid(), lambda: randn(3, 7), True, "default"),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), lambda: randn(3, 7), True, "default"),
    ("softmax", lambda: nn.Softmax(dim=1), lambda: randn(3, 7, 2), True, "default"),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1), lambda: randn(3, 7), True, "default"),
    ("flatten", lambda: nn.Flatten(), lambda: randn(2, 3, 4), True, "default"),
    ("flatten_0_1", lambda: nn.Flatten(0, 1), lambda: randn(2, 3, 4), True, "default"),
    ("identity", lambda: nn.Identity(), lambda: randn(2, 3), True, "default"),
    ("dropout_eval", lambda: nn.Dropout(0.5), lambda: randn(4, 5), False, "default"),
    ("max_pool2d", lambda: nn.MaxPool2d(2), lambda: randn(2, 3, 8, 8), True, "conv"),
    ("max_pool2d_pad_ceil", lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), lambda: randn(1, 2, 8, 8), True, "conv"),
    ("max_pool2d_rect_dilated", lambda: nn.MaxPool2d((2, 3), stride=(1, 2), dilation=(2, 1)), lambda: randn(1, 2, 7, 9), True, "conv"),
    ("avg_pool2d", lambda: nn.AvgPool2d(2), lambda: randn(2, 3, 6, 6), True, "conv"),
    ("avg_pool2d_pad_exclude", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), lambda: randn(1, 2, 7, 7), True, "conv"),
    ("adaptive_avg_pool2d", lambda: nn.AdaptiveAvgPool2d((3, 2)), lambda: randn(2, 3, 7, 5), True, "conv"),
    ("adaptive_avg_pool2d_1", lambda: nn.AdaptiveAvgPool2d(1), lambda: randn(2, 3, 4, 4), True, "conv"),
    ("small_cnn_train", lambda: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                             nn.Flatten(), nn.Linear(4 * 4 * 4, 5)), lambda: randn(3, 3, 8, 8), True, "conv"),
    ("small_cnn_eval", lambda: nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                            nn.Flatten(), nn.Linear(4 * 4 * 4, 5)), lambda: randn(3, 3, 8, 8), False, "conv"),
]

TOLERANCES = {"default": (1e-5, 1e-6), "conv": (1e-5, 1e-5)}


def layers():
    tensors, meta = {}, {}
    for name, make, make_input, train, tol in LAYER_CASES:
        module = make()
        randomize_affine(module)
        if not train:
            # Eval mode reads running statistics: give them values a test would notice.
            with torch.no_grad():
                for bname, b in module.named_buffers():
                    if bname.endswith("running_mean"):
                        b.copy_(torch.from_numpy(randn(*b.shape, scale=0.5)))
                    elif bname.endswith("running_var"):
                        b.copy_(torch.from_numpy(rng.uniform(0.5, 2.0, b.shape).astype(np.float32)))
        for key, value in module.state_dict().items():
            tensors[f"{name}.state.{key}"] = numpy_of(value)
        module.train(train)
        x_np = make_input()
        x = torch.from_numpy(x_np.copy())
        if x.dtype == torch.float32:
            x.requires_grad_(True)
        y = module(x)
        g = randn(*y.shape)
        y.backward(torch.from_numpy(g))
        tensors[f"{name}.input"] = x_np
        tensors[f"{name}.output"] = numpy_of(y)
        tensors[f"{name}.grad_output"] = g
        if x.grad is not None:
            tensors[f"{name}.grad.input"] = numpy_of(x.grad)
        for pname, p in module.named_parameters():
            tensors[f"{name}.grad.{pname}"] = numpy_of(p.grad)
        # Buffers after the forward (a training-mode BatchNorm inside a composite updates them).
        for bname, b in module.named_buffers():
            tensors[f"{name}.after.{bname}"] = numpy_of(b)
        rtol, atol = TOLERANCES[tol]
        meta[name] = json.dumps({"module": repr(module), "train": train, "rtol": rtol, "atol": atol})
    safetensors_io.save(os.path.join(OUT, "layers.safetensors"), tensors, meta)
    print(f"layers: {len(meta)} cases")


# ---------------------------------------------------------------- batch norm

BATCHNORM_CASES = [
    ("bn1d_2d_input", lambda: nn.BatchNorm1d(5), (8, 5)),
    ("bn1d_3d_input_momentum", lambda: nn.BatchNorm1d(4, momentum=0.3), (4, 4, 6)),
    ("bn2d", lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    ("bn2d_cumulative", lambda: nn.BatchNorm2d(3, momentum=None), (4, 3, 5, 5)),
    ("bn2d_no_affine_eps", lambda: nn.BatchNorm2d(3, affine=False, eps=1e-3), (2, 3, 4, 4)),
    ("bn2d_no_tracking", lambda: nn.BatchNorm2d(3, track_running_stats=False), (4, 3, 3, 3)),
]


def batchnorm():
    tensors, meta = {}, {}
    for name, make, shape in BATCHNORM_CASES:
        module = make()
        randomize_affine(module)
        for key, value in module.state_dict().items():
            tensors[f"{name}.state.{key}"] = numpy_of(value)
        module.train()
        for step in range(3):
            # Shifted, scaled inputs so the running statistics move visibly away from 0 and 1.
            x_np = randn(*shape, scale=1.5) + np.float32(0.7 * (step + 1))
            x = torch.from_numpy(x_np.copy()).requires_grad_(True)
            y = module(x)
            g = randn(*y.shape)
            y.backward(torch.from_numpy(g))
            tensors[f"{name}.step{step}.input"] = x_np
            tensors[f"{name}.step{step}.output"] = numpy_of(y)
            tensors[f"{name}.step{step}.grad_output"] = g
            tensors[f"{name}.step{step}.grad.input"] = numpy_of(x.grad)
            for pname, p in module.named_parameters():
                tensors[f"{name}.step{step}.grad.{pname}"] = numpy_of(p.grad)
                p.grad = None
        for bname, b in module.named_buffers():
            tensors[f"{name}.after.{bname}"] = numpy_of(b)
        module.eval()
        x_np = randn(*shape)
        tensors[f"{name}.eval.input"] = x_np
        with torch.no_grad():
            tensors[f"{name}.eval.output"] = numpy_of(module(torch.from_numpy(x_np.copy())))
        meta[name] = json.dumps({"module": repr(module), "rtol": 1e-5, "atol": 1e-5})
    safetensors_io.save(os.path.join(OUT, "batchnorm.safetensors"), tensors, meta)
    print(f"batchnorm: {len(meta)} cases")


# ---------------------------------------------------------------- optimizers

OPTIM_STEPS = 6

# groups: list of (parameter names, overrides); None means one group with everything.
OPTIM_CONFIGS = {
    "sgd_plain": ("SGD", {"lr": 0.1}, None, None),
    "sgd_momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}, None, None),
    "sgd_dampening_weight_decay": ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}, None, None),
    "sgd_nesterov_weight_decay": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}, None, None),
    "sgd_maximize": ("SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}, None, None),
    "sgd_groups": ("SGD", {"lr": 0.1, "momentum": 0.5}, [(["p0"], {"momentum": 0.9}), (["p1"], {"lr": 0.01})], None),
    "adam_default": ("Adam", {"lr": 0.01}, None, None),
    "adam_betas_eps": ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}, None, None),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "weight_decay": 0.1}, None, None),
    "adam_amsgrad": ("Adam", {"lr": 0.01, "amsgrad": True}, None, None),
    "adam_amsgrad_weight_decay_maximize": ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True}, None, None),
    "adamw_default": ("AdamW", {"lr": 0.01}, None, None),
    "adamw_amsgrad_weight_decay": ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, None, None),
    "adamw_groups": ("AdamW", {"lr": 0.01, "weight_decay": 0.2}, [(["p0"], {}), (["p1"], {"weight_decay": 0.0, "lr": 0.05})], None),
    "sgd_onecycle": ("SGD", {"lr": 0.1, "momentum": 0.9}, None, {"max_lr": 0.5, "total_steps": OPTIM_STEPS}),
    "adam_onecycle": ("Adam", {"lr": 0.01}, None, {"max_lr": 0.05, "total_steps": OPTIM_STEPS, "anneal_strategy": "linear"}),
}


def optim():
    params0 = {"p0": randn(3, 4), "p1": randn(5)}
    grads = []
    for step in range(OPTIM_STEPS):
        # A large first gradient, then small ones: AMSGrad's max of the second moment then differs from Adam's.
        scale = 5.0 if step == 0 else 0.5
        g = {"p0": randn(3, 4, scale=scale), "p1": randn(5, scale=scale)}
        if step == 3:
            del g["p1"]  # a parameter without a gradient is skipped (its state does not advance)
        grads.append(g)
    tensors = {f"init.{k}": v for k, v in params0.items()}
    for step, g in enumerate(grads):
        for k, v in g.items():
            tensors[f"grad{step}.{k}"] = v
    meta = {}
    for name, (kind, kwargs, groups, onecycle) in OPTIM_CONFIGS.items():
        params = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in params0.items()}
        cls = getattr(torch.optim, kind)
        if groups is None:
            opt = cls([params["p0"], params["p1"]], **kwargs)
        else:
            opt = cls([dict(params=[params[n] for n in names], **over) for names, over in groups], **kwargs)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, **onecycle) if onecycle else None
        for step, g in enumerate(grads):
            for k, p in params.items():
                p.grad = torch.from_numpy(g[k].copy()) if k in g else None
            opt.step()
            if scheduler:
                scheduler.step()
            for k, p in params.items():
                tensors[f"{name}.step{step}.{k}"] = numpy_of(p)
        meta[name] = json.dumps({"optimizer": kind, "kwargs": kwargs, "groups": groups, "onecycle": onecycle, "steps": OPTIM_STEPS})
    safetensors_io.save(os.path.join(OUT, "optim.safetensors"), tensors, meta)
    print(f"optim: {len(meta)} configs")


# ---------------------------------------------------------------- clip_grad_norm_

CLIP_CASES = [
    ("l2_clipped", 1.0, 2.0),
    ("l2_not_clipped", 100.0, 2.0),
    ("l1_clipped", 0.5, 1.0),
    ("inf_clipped", 0.3, math.inf),
    ("l3_clipped", 2.0, 3.0),
]


def clip():
    tensors, meta = {}, {}
    grads = {"a": randn(4, 3), "b": randn(7), "c": randn(2, 2, 2, scale=3.0)}
    for k, v in grads.items():
        tensors[f"before.{k}"] = v
    for name, max_norm, norm_type in CLIP_CASES:
        params = []
        for k in ["a", "b", "c", "no_grad"]:
            p = torch.zeros(grads[k].shape if k in grads else (3,), requires_grad=True)
            if k in grads:
                p.grad = torch.from_numpy(grads[k].copy())
            params.append(p)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        tensors[f"{name}.total_norm"] = np.array(total.item(), dtype=np.float32)
        for k, p in zip(["a", "b", "c"], params):
            tensors[f"{name}.after.{k}"] = numpy_of(p.grad)
        meta[name] = json.dumps({"max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type})
    safetensors_io.save(os.path.join(OUT, "clip.safetensors"), tensors, meta)
    print(f"clip: {len(meta)} cases")


# ---------------------------------------------------------------- schedulers

LR_LAMBDAS = {
    "pow_0_95": lambda e: 0.95 ** e,
    "warmup_5": lambda e: min(1.0, (e + 1) / 5),
}

SCHEDULER_CASES = {
    "step_lr": ("SGD", [0.1], "StepLR", {"step_size": 7, "gamma": 0.5}, 30),
    "step_lr_groups": ("SGD", [0.1, 0.02], "StepLR", {"step_size": 4}, 30),
    "cosine": ("SGD", [0.1], "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, 30),
    "cosine_full": ("SGD", [0.1], "CosineAnnealingLR", {"T_max": 30}, 30),
    "linear_warmup": ("SGD", [0.1], "LinearLR", {"start_factor": 0.1, "total_iters": 8}, 30),
    "linear_default": ("SGD", [0.1], "LinearLR", {}, 30),
    "linear_decay": ("SGD", [0.1, 0.3], "LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 20}, 30),
    "lambda_pow": ("SGD", [0.1], "LambdaLR", {"lr_lambda": "pow_0_95"}, 30),
    "lambda_warmup": ("SGD", [0.1], "LambdaLR", {"lr_lambda": "warmup_5"}, 30),
    # OneCycleLR allows one step past total_steps in PyTorch 1.13 (it raises when step > total_steps).
    "onecycle_cos": ("SGD", [0.1], "OneCycleLR", {"max_lr": 0.1, "total_steps": 30}, 30),
    "onecycle_linear": ("SGD", [0.1], "OneCycleLR", {"max_lr": 0.2, "total_steps": 30, "anneal_strategy": "linear", "pct_start": 0.25,
                                                     "div_factor": 10.0, "final_div_factor": 100.0}, 30),
    "onecycle_three_phase": ("SGD", [0.1], "OneCycleLR", {"max_lr": 0.1, "total_steps": 30, "three_phase": True}, 30),
    "onecycle_three_phase_linear": ("SGD", [0.1], "OneCycleLR", {"max_lr": 0.1, "total_steps": 30, "three_phase": True,
                                                                 "anneal_strategy": "linear", "pct_start": 0.4}, 30),
    "onecycle_adam": ("Adam", [0.01], "OneCycleLR", {"max_lr": 0.01, "total_steps": 30, "base_momentum": 0.8, "max_momentum": 0.9}, 30),
    "onecycle_epochs_no_momentum": ("SGD", [0.1], "OneCycleLR", {"max_lr": 0.3, "epochs": 3, "steps_per_epoch": 10, "cycle_momentum": False}, 30),
    "onecycle_groups": ("SGD", [0.1, 0.1], "OneCycleLR", {"max_lr": [0.1, 0.01], "total_steps": 30}, 30),
}


def schedulers():
    cases = {}
    for name, (kind, lrs, sched, kwargs, steps) in SCHEDULER_CASES.items():
        params = [torch.zeros(2, requires_grad=True) for _ in lrs]
        groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
        opt = torch.optim.SGD(groups, lr=lrs[0], momentum=0.9) if kind == "SGD" else torch.optim.Adam(groups, lr=lrs[0])
        args = dict(kwargs)
        if "lr_lambda" in args:
            args["lr_lambda"] = LR_LAMBDAS[args["lr_lambda"]]
        scheduler = getattr(torch.optim.lr_scheduler, sched)(opt, **args)

        def momenta():
            return [g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups]

        lr_seq, momentum_seq = [scheduler.get_last_lr()], [momenta()]
        for _ in range(steps):
            opt.step()
            scheduler.step()
            lr_seq.append(scheduler.get_last_lr())
            momentum_seq.append(momenta())
        raises_next = False
        try:
            opt.step()
            scheduler.step()
        except ValueError:
            raises_next = True
        cases[name] = {"optimizer": kind, "lrs": lrs, "scheduler": sched, "kwargs": kwargs, "steps": steps,
                       "lr": lr_seq, "momentum": momentum_seq, "raises_next": raises_next}
    with open(os.path.join(OUT, "schedulers.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print(f"schedulers: {len(cases)} cases")


# ---------------------------------------------------------------- default initialisation

INIT_CASES = {
    "linear": lambda: nn.Linear(256, 128),
    "conv1d_groups": lambda: nn.Conv1d(8, 512, 5, groups=2),
    "conv2d": lambda: nn.Conv2d(16, 32, 3),
    "conv_transpose1d_groups": lambda: nn.ConvTranspose1d(64, 8, 7, groups=4),
    "conv_transpose2d": lambda: nn.ConvTranspose2d(32, 16, 4),
    "embedding": lambda: nn.Embedding(1000, 64),
    "embedding_padding": lambda: nn.Embedding(100, 16, padding_idx=3),
    "layer_norm": lambda: nn.LayerNorm(32),
    "group_norm": lambda: nn.GroupNorm(4, 32),
    "batch_norm2d": lambda: nn.BatchNorm2d(32),
}


def kaiming_bound(weight):
    """The bound nn.init.kaiming_uniform_(w, a=sqrt(5)) uses, from torch.nn.init's own helpers."""
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
    gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    return math.sqrt(3.0) * gain / math.sqrt(fan_in), fan_in


def init_stats():
    cases = {}
    for name, make in INIT_CASES.items():
        module = make()
        entries = {}
        weight = dict(module.named_parameters()).get("weight")
        for key, value in module.state_dict().items():
            v = value.detach().double()
            entry = {"shape": list(value.shape), "numel": value.numel(), "mean": v.mean().item(),
                     "std": v.std().item() if value.numel() > 1 else 0.0, "max_abs": v.abs().max().item(),
                     "min": v.min().item(), "max": v.max().item()}
            if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
                bound, fan_in = kaiming_bound(weight)
                if key == "bias":
                    bound = 1.0 / math.sqrt(fan_in)
                entry.update({"distribution": "uniform", "bound": bound, "fan_in": fan_in})
            elif isinstance(module, nn.Embedding) and key == "weight":
                entry.update({"distribution": "normal", "expected_std": 1.0, "padding_idx": module.padding_idx})
            else:
                entry.update({"distribution": "constant"})
            entries[key] = entry
        cases[name] = {"module": repr(module), "entries": entries}
    with open(os.path.join(OUT, "init.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print(f"init: {len(cases)} cases")


# ---------------------------------------------------------------- safetensors interchange

def interchange():
    folder = os.path.join(OUT, "safetensors")
    os.makedirs(folder, exist_ok=True)
    safetensors_io.save(os.path.join(folder, "python_written.safetensors"), deterministic_tensors(), DETERMINISTIC_METADATA)
    print("safetensors: python_written.safetensors")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    layers()
    batchnorm()
    optim()
    clip()
    schedulers()
    init_stats()
    interchange()
