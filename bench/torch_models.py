#!/usr/bin/python3
"""PyTorch side of `corvid-bench models`: ResNet18 inference and full training steps, on the same shapes
and the same models Corvid runs (bench/Corvid.Bench/ModelCases.cs describes each).

Usage: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/torch_models.py SPEC.json
SPEC.json and the printed JSON are those of bench/torch_kernels.py (cases with "op": resnet18,
cnn_train, gpt_train, maml_train, mlp_train). Corvid.Bench launches this itself.

torchvision is not in Debian, so ResNet18 is built here in plain torch with torchvision's layout and
parameter names, and loads the weights tools/resnet18_onnx_to_safetensors.py exported from the same
ONNX file Corvid and ONNX Runtime run.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import safetensors_io  # noqa: E402
from torch_kernels import run_spec  # noqa: E402


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + identity)


class ResNet18Features(nn.Module):
    """torchvision.models.resnet18 without fc: (N, 3, 224, 224) -> (N, 512). `blocks` per stage: the
    packaged ONNX network has [2, 2, 2, 3] where torchvision has [2, 2, 2, 2]."""

    def __init__(self, blocks):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        width = 64
        for i, out in enumerate([64, 128, 256, 512]):
            stride = 1 if i == 0 else 2
            stage = [BasicBlock(width, out, stride)] + [BasicBlock(out, out, 1) for _ in range(blocks[i] - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
            width = out

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


def load_resnet18(weights):
    tensors, _ = safetensors_io.load(weights)
    blocks = [len({k.split(".")[1] for k in tensors if k.startswith(f"layer{i}.")}) for i in range(1, 5)]
    model = ResNet18Features(blocks).eval()
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return model


def resnet18(case):
    model = load_resnet18(case["weights"])
    x = torch.randn(case["batch"], 3, 224, 224, generator=torch.Generator().manual_seed(0)) * 60

    def forward():
        with torch.no_grad():
            return model(x)
    return forward


class Cnn(nn.Module):
    """Three conv(3x3)-BN-ReLU-maxpool(2) blocks and a linear classifier: 32x32x3 -> 10."""

    def __init__(self):
        super().__init__()
        layers, cin = [], 3
        for cout in (32, 64, 128):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(128 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


class Block(nn.Module):
    """Pre-norm transformer block with torch.nn.MultiheadAttention, as Corvid.Nn's TransformerBlock."""

    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    def __init__(self, vocab, seq, d, layers, heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.register_buffer("mask", torch.ones(seq, seq, dtype=torch.bool).triu(1))

    def forward(self, idx):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for block in self.blocks:
            x = block(x, self.mask[:t, :t])
        return self.lm_head(self.ln_f(x))


def train_step(model, optimizer, inputs, targets, loss_fn=F.cross_entropy):
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return step


def conv4_forward(p, x):
    """MAML's Conv-4: four conv(3x3)-BN(batch statistics)-ReLU-maxpool(2) blocks and a linear head."""
    for i in range(4):
        x = F.conv2d(x, p[f"conv{i}.w"], p[f"conv{i}.b"], padding=1)
        x = F.batch_norm(x, None, None, p[f"bn{i}.w"], p[f"bn{i}.b"], training=True)
        x = F.max_pool2d(F.relu(x), 2)
    return F.linear(x.flatten(1), p["fc.w"], p["fc.b"])


def maml(case):
    g = torch.Generator().manual_seed(0)
    ways, shots, queries, size, width = case["ways"], case["shots"], case["queries"], case["size"], case["width"]
    params, cin = {}, case["channels"]
    for i in range(4):
        params[f"conv{i}.w"] = torch.randn(width, cin, 3, 3, generator=g) * (2 / (cin * 9)) ** 0.5
        params[f"conv{i}.b"] = torch.zeros(width)
        params[f"bn{i}.w"] = torch.ones(width)
        params[f"bn{i}.b"] = torch.zeros(width)
        cin = width
    feat = size
    for _ in range(4):
        feat //= 2
    params["fc.w"] = torch.randn(ways, width * feat * feat, generator=g) * 0.01
    params["fc.b"] = torch.zeros(ways)
    for p in params.values():
        p.requires_grad_(True)
    names = sorted(params)
    optimizer = torch.optim.Adam(params.values(), lr=1e-3)
    shape = (case["channels"], size, size)
    tasks = [(torch.randn(ways * shots, *shape, generator=g), torch.arange(ways).repeat_interleave(shots),
              torch.randn(ways * queries, *shape, generator=g), torch.arange(ways).repeat_interleave(queries))
             for _ in range(case["tasks"])]

    def step():
        optimizer.zero_grad()
        for sx, sy, qx, qy in tasks:
            fast = params
            for _ in range(case["inner_steps"]):
                loss = F.cross_entropy(conv4_forward(fast, sx), sy)
                grads = torch.autograd.grad(loss, [fast[n] for n in names], create_graph=True)
                fast = {n: fast[n] - case["inner_lr"] * gr for n, gr in zip(names, grads)}
            (F.cross_entropy(conv4_forward(fast, qx), qy) / len(tasks)).backward()
        optimizer.step()
    return step


def make(case):
    op = case["op"]
    g = torch.Generator().manual_seed(0)
    if op == "resnet18":
        return resnet18(case)
    if op == "cnn_train":
        model = Cnn()
        x = torch.randn(case["batch"], 3, 32, 32, generator=g)
        y = torch.randint(0, 10, (case["batch"],), generator=g)
        return train_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), x, y)
    if op == "gpt_train":
        model = Gpt(case["vocab"], case["seq"], case["d_model"], case["layers"], case["heads"])
        idx = torch.randint(0, case["vocab"], (case["batch"], case["seq"] + 1), generator=g)
        loss = lambda logits, target: F.cross_entropy(logits.reshape(-1, case["vocab"]), target.reshape(-1))  # noqa: E731
        return train_step(model, torch.optim.AdamW(model.parameters(), lr=3e-4), idx[:, :-1], idx[:, 1:], loss)
    if op == "mlp_train":
        model = nn.Sequential(nn.Linear(case["in"], case["hidden"]), nn.ReLU(), nn.Linear(case["hidden"], case["out"]))
        x = torch.randn(case["batch"], case["in"], generator=g)
        y = torch.randint(0, case["out"], (case["batch"],), generator=g)
        return train_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), x, y)
    if op == "maml_train":
        return maml(case)
    raise ValueError(f"torch_models.py: unknown op {op!r} in case {case['name']!r}")


def check_resnet18(weights, images, out):
    """Writes the plain-torch ResNet18's features for the images Corvid.Bench wrote, so it can check all
    three engines run the same network before timing them."""
    model = load_resnet18(weights)
    x = torch.from_numpy(safetensors_io.load(images)[0]["images"])
    with torch.no_grad():
        safetensors_io.save(out, {"features": model(x).numpy()})


def main():
    if sys.argv[1] == "--check-resnet18":
        check_resnet18(*sys.argv[2:5])
        return
    run_spec(sys.argv[1], make)


if __name__ == "__main__":
    main()
