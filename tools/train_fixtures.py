#!/usr/bin/python3
"""End-to-end training references: a small CNN and a small transformer language model trained in
PyTorch for a few hundred steps. The initial weights, the data, the batch order and the loss of
every step are exported, so Corvid can train the same networks from the same start on the same
batches and compare the loss curves.

    /usr/bin/python3 tools/train_fixtures.py
writes tests/Corvid.Nn.Tests/Fixtures/train_cnn.safetensors and train_gpt.safetensors.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "Corvid.Nn.Tests", "Fixtures")
torch.set_num_threads(1)


def cnn():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    # Ten classes of 12x12 images: each class has its own random template, plus noise.
    templates = rng.standard_normal((10, 1, 12, 12)).astype(np.float32)
    labels = rng.integers(0, 10, 512).astype(np.int64)
    images = (templates[labels] + 0.8 * rng.standard_normal((512, 1, 12, 12))).astype(np.float32)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 3 * 3, 10))
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    steps, batch = 200, 32
    order = np.stack([rng.permutation(512)[:batch] for _ in range(steps)]).astype(np.int64)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=steps)
    losses = []
    for step in range(steps):
        idx = torch.from_numpy(order[step])
        x, y = torch.from_numpy(images)[idx], torch.from_numpy(labels)[idx]
        loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        eval_logits = model(torch.from_numpy(images[:64]))
    tensors = {f"init.{k}": v for k, v in initial.items()}
    tensors.update({"images": images, "labels": labels, "order": order, "losses": np.array(losses, np.float32),
                    "eval_logits": eval_logits.numpy()})
    tensors.update({f"final.{k}": v.detach().numpy() for k, v in model.state_dict().items()})
    safetensors_io.save(os.path.join(OUT, "train_cnn.safetensors"), tensors)
    print(f"cnn: loss {losses[0]:.4f} -> {losses[-1]:.4f}")


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        t = x.shape[1]
        h = self.ln_1(x)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class TinyGpt(nn.Module):
    def __init__(self, vocab, d, h, layers, context):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(context, d)
        self.blocks = nn.Sequential(*[Block(d, h) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(t))
        return self.head(self.ln_f(self.blocks(x)))


def gpt():
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    text = ("the quick brown fox jumps over the lazy dog. a stitch in time saves nine. "
            "all that glitters is not gold. the early bird catches the worm. ") * 40
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text], np.int64)
    vocab, d, h, layers, context, batch, steps = len(chars), 32, 4, 2, 16, 8, 200
    model = TinyGpt(vocab, d, h, layers, context)
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    starts = rng.integers(0, len(data) - context - 1, (steps, batch)).astype(np.int64)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    losses = []
    for step in range(steps):
        x = torch.from_numpy(np.stack([data[s:s + context] for s in starts[step]]))
        y = torch.from_numpy(np.stack([data[s + 1:s + context + 1] for s in starts[step]]))
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    tensors = {f"init.{k}": v for k, v in initial.items()}
    tensors.update({"data": data, "starts": starts, "losses": np.array(losses, np.float32),
                    "config": np.array([vocab, d, h, layers, context, batch, steps], np.int64)})
    safetensors_io.save(os.path.join(OUT, "train_gpt.safetensors"), tensors)
    print(f"gpt: loss {losses[0]:.4f} -> {losses[-1]:.4f}")


cnn()
gpt()
