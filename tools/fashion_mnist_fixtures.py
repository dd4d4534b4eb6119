"""Fashion-MNIST sample and PyTorch reference outputs for the `corvid` runtime's tests.

Run from the repository root after `corvid train` wrote models/fashion-mnist:

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 tools/fashion_mnist_fixtures.py

Needs torch (1.13), numpy, Pillow and Debian's `dataset-fashion-mnist` package. Writes into
tests/Corvid.Serving.Tests/Fixtures/fashion-mnist/:
  t10k-sample-images-idx3-ubyte.gz, t10k-sample-labels-idx1-ubyte.gz  the first 200 test images (IDX, gzip)
  *.png                                                               a few of them as PNG files, some altered
  reference.json                                                      PyTorch's logits and top-5 answers

The reference model is PyTorch's own nn.Sequential built from models/fashion-mnist/model.json
(the same layers, by their torch.nn names) with model.safetensors loaded strictly, in eval mode.
Images are preprocessed as torchvision would: PIL Resize(shorter side, bilinear), CenterCrop,
convert("L"), ToTensor (divide by 255), Normalize(mean, std) from the manifest.
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "fashion-mnist")
OUT = os.path.join(ROOT, "tests", "Corvid.Serving.Tests", "Fixtures", "fashion-mnist")
DATA = "/usr/share/datasets/fashion-mnist"
SAMPLE = 200


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 8, path
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data[4 + 4 * rank:], dtype=np.uint8).reshape(dims)


def write_idx_gz(path, array):
    header = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    # mtime=0 so the same sample gives the same bytes on every run.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def pair(value):
    return tuple(value) if isinstance(value, list) else value


def build(definition):
    layers = []
    for spec in definition["layers"]:
        args = {k: pair(v) for k, v in spec.items() if k != "type"}
        kind = spec["type"]
        cls = {
            "conv2d": nn.Conv2d, "linear": nn.Linear, "batch_norm2d": nn.BatchNorm2d, "batch_norm1d": nn.BatchNorm1d,
            "max_pool2d": nn.MaxPool2d, "avg_pool2d": nn.AvgPool2d, "adaptive_avg_pool2d": nn.AdaptiveAvgPool2d,
            "flatten": nn.Flatten, "dropout": nn.Dropout, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU,
            "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity,
        }[kind]
        layers.append(cls(**args))
    return nn.Sequential(*layers)


def preprocess(image, pipeline):
    """torchvision's Resize(int) → CenterCrop → Grayscale (PIL convert "L") → ToTensor → Normalize, on a PIL image."""
    size, crop = pipeline["resize"], pipeline["crop"]
    w, h = image.size
    if (w <= h and w != size) or (h < w and h != size):
        if w <= h:
            image = image.convert("RGB").resize((size, int(size * h / w)), Image.BILINEAR)
        else:
            image = image.convert("RGB").resize((int(size * w / h), size), Image.BILINEAR)
    w, h = image.size
    left, top = int(round((w - crop) / 2.0)), int(round((h - crop) / 2.0))
    image = image.crop((left, top, left + crop, top + crop)).convert("L")
    x = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).float().div(255)
    return ((x - pipeline["mean"][0]) / pipeline["std"][0]).reshape(1, 1, crop, crop)


def top5(logits, labels):
    probabilities = torch.softmax(logits, dim=-1)
    values, indices = torch.topk(probabilities, 5)
    return [{"label": labels[i], "probability": float(v)} for v, i in zip(values.tolist(), indices.tolist())]


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    manifest = json.load(open(os.path.join(MODEL, "manifest.json")))
    definition = json.load(open(os.path.join(MODEL, manifest["definition"])))
    labels = [line.rstrip("\n") for line in open(os.path.join(MODEL, manifest["labels"])) if line.strip()]
    pipeline = manifest["image"]
    tensors, _ = safetensors_io.load(os.path.join(MODEL, manifest["weights"]))
    model = build(definition)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    model.eval()

    images = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))[:SAMPLE]
    targets = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz"))[:SAMPLE]
    write_idx_gz(os.path.join(OUT, "t10k-sample-images-idx3-ubyte.gz"), images)
    write_idx_gz(os.path.join(OUT, "t10k-sample-labels-idx1-ubyte.gz"), targets)

    mean, std = pipeline["mean"][0], pipeline["std"][0]
    x = (torch.from_numpy(images.copy()).float().div(255) - mean) / std
    with torch.no_grad():
        logits = model(x.reshape(SAMPLE, 1, 28, 28))
    accuracy = float((logits.argmax(dim=1).numpy() == targets).mean())

    # PNG requests: plain 28x28 grayscale, the same image as a tinted RGB picture (the luma path), and
    # upscaled to 56x56 with nearest neighbour (the resize path).
    pngs = {}
    for index in range(4):
        name = f"sample-{index}.png"
        Image.fromarray(images[index], mode="L").save(os.path.join(OUT, name))
        pngs[name] = index
    gray = images[4].astype(np.float32)
    tinted = np.stack([gray, gray * 0.8, gray * 0.5], axis=-1).round().astype(np.uint8)
    Image.fromarray(tinted, mode="RGB").save(os.path.join(OUT, "sample-4-tinted-rgb.png"))
    pngs["sample-4-tinted-rgb.png"] = 4
    Image.fromarray(images[5], mode="L").resize((56, 56), Image.NEAREST).save(os.path.join(OUT, "sample-5-upscaled-56.png"))
    pngs["sample-5-upscaled-56.png"] = 5

    png_answers = {}
    for name, index in pngs.items():
        with Image.open(os.path.join(OUT, name)) as image:
            with torch.no_grad():
                out = model(preprocess(image, pipeline))[0]
        png_answers[name] = {"index": index, "label": labels[int(targets[index])], "logits": out.tolist(), "top5": top5(out, labels)}

    reference = {
        "generator": "tools/fashion_mnist_fixtures.py",
        "torch": torch.__version__,
        "model": "models/fashion-mnist",
        "mean": mean,
        "std": std,
        "count": SAMPLE,
        "accuracy": accuracy,
        "targets": targets.tolist(),
        "logits": logits.tolist(),
        "png": png_answers,
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f)
    print(f"wrote {OUT}: {SAMPLE} images, PyTorch accuracy on them {accuracy:.3f}")


if __name__ == "__main__":
    main()
