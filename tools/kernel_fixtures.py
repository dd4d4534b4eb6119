#!/usr/bin/python3
"""Fixtures for Corvid's raw compute kernels (src/Corvid.Tensors/Kernels), computed by PyTorch.

Run from the repository root:  /usr/bin/python3 tools/kernel_fixtures.py
Writes tests/Corvid.Tensors.Tests/Fixtures/kernels/{conv2d,gemm}.{json,bin}.

Each .json lists cases; each array of a case is stored in the matching .bin as little-endian
float32 at [offset, offset + length) (counted in floats), so the tests need neither Python nor numpy.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "Corvid.Tensors.Tests", "Fixtures", "kernels")


class Blob:
    """Accumulates float32 arrays into one binary file and remembers where each one starts."""

    def __init__(self):
        self.parts = []
        self.length = 0

    def add(self, t):
        flat = t.detach().contiguous().reshape(-1).to(torch.float32)
        offset = self.length
        self.parts.append(flat)
        self.length += flat.numel()
        return [offset, flat.numel()]

    def write(self, path):
        data = torch.cat(self.parts) if self.parts else torch.zeros(0)
        with open(path + ".tmp", "wb") as f:
            f.write(data.numpy().astype("<f4").tobytes())
        os.replace(path + ".tmp", path)


def write_json(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


# name, N, C, H, W, OC, KH, KW, stride, pad, dilation, groups, bias, conv1d
CONV_CASES = [
    ("basic_3x3_pad1", 2, 3, 8, 8, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("stride2_nonsquare", 2, 3, 9, 7, 5, 3, 2, (2, 2), (1, 1), (1, 1), 1, True, False),
    ("dilation2", 1, 2, 11, 10, 3, 3, 3, (1, 1), (2, 2), (2, 2), 1, True, False),
    ("asymmetric_stride_pad_no_bias", 2, 3, 7, 12, 4, 2, 3, (1, 3), (0, 2), (1, 1), 1, False, False),
    ("groups2", 2, 4, 6, 6, 6, 3, 3, (1, 1), (1, 1), (1, 1), 2, True, False),
    ("groups3_stride2_dilation", 1, 6, 9, 9, 9, 3, 3, (2, 1), (1, 2), (2, 2), 3, True, False),
    ("depthwise_7x7", 2, 4, 10, 10, 4, 7, 7, (1, 1), (3, 3), (1, 1), 4, True, False),
    ("depthwise_7x7_stride2_no_bias", 1, 3, 13, 11, 3, 7, 7, (2, 2), (3, 3), (1, 1), 3, False, False),
    ("depthwise_3x3_multiplier2", 2, 3, 8, 8, 6, 3, 3, (1, 1), (1, 1), (1, 1), 3, True, False),
    ("depthwise_5x5_dilation2", 1, 5, 12, 12, 5, 5, 5, (1, 1), (4, 4), (2, 2), 5, True, False),
    ("pointwise_1x1", 2, 8, 5, 5, 6, 1, 1, (1, 1), (0, 0), (1, 1), 1, True, False),
    ("pointwise_1x1_stride2", 2, 8, 6, 7, 6, 1, 1, (2, 2), (0, 0), (1, 1), 1, False, False),
    ("kernel1x1_pad1", 1, 2, 3, 4, 3, 1, 1, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("padding_larger_than_input", 1, 2, 2, 2, 3, 3, 3, (1, 1), (2, 2), (1, 1), 1, True, False),
    ("resnet_like_16to32", 2, 16, 14, 14, 32, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("resnet_stem_7x7_stride2", 1, 3, 20, 20, 8, 7, 7, (2, 2), (3, 3), (1, 1), 1, False, False),
    ("conv1d_k5_stride2", 2, 4, 1, 30, 6, 1, 5, (1, 2), (0, 2), (1, 1), 1, True, True),
    ("conv1d_k3_dilation3_groups2", 2, 4, 1, 25, 4, 1, 3, (1, 1), (0, 3), (1, 3), 2, True, True),
    ("conv1d_k7_depthwise_stride4", 1, 6, 1, 40, 6, 1, 7, (1, 4), (0, 3), (1, 1), 6, True, True),
    # More than 32 output channels per group: the forward pass packs GEMM panels straight from the input.
    ("implicit_oc48_stride2", 2, 5, 9, 11, 48, 3, 3, (2, 2), (1, 1), (1, 1), 1, True, False),
    ("implicit_groups2_oc80_dilation", 3, 4, 8, 7, 80, 3, 2, (1, 1), (2, 1), (2, 1), 2, True, False),
    ("implicit_oc40_kernel5_stride3_no_bias", 1, 3, 16, 16, 40, 5, 5, (3, 3), (2, 2), (1, 1), 1, False, False),
    # 3x3 stride 1 with 16+ channels and 32+ output tiles: Winograd F(2x2, 3x3), forward and input gradient.
    ("winograd_resnet_64x28x28", 1, 64, 28, 28, 64, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("winograd_odd_13x11_32to48", 2, 32, 13, 11, 48, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("winograd_pad0_no_bias", 1, 24, 17, 20, 20, 3, 3, (1, 1), (0, 0), (1, 1), 1, False, False),
    ("winograd_pad2_asymmetric", 1, 16, 9, 14, 24, 3, 3, (1, 1), (2, 0), (1, 1), 1, True, False),
    ("winograd_272_channels_k_split", 1, 272, 16, 16, 32, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    # 16-31 output tiles: Winograd only when the transformed filter is cached (ResNet18's 7x7 stage at batch 1).
    ("cachedwinograd_7x7_batch1_32to40", 1, 32, 7, 7, 40, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("cachedwinograd_8x11_no_bias", 1, 20, 8, 11, 24, 3, 3, (1, 1), (1, 1), (1, 1), 1, False, False),
    # Stride 2 with output rows of 17+ columns: implicit-GEMM panels gather 16 columns per AVX-512 step; odd row
    # lengths and two images make runs start mid-sliver and cross sliver boundaries.
    ("implicit_stem_7x7_stride2_wide", 2, 3, 40, 75, 40, 7, 7, (2, 2), (3, 3), (1, 1), 1, True, False),
    ("implicit_1x1_stride2_wide_no_bias", 2, 16, 9, 70, 40, 1, 1, (2, 2), (0, 0), (1, 1), 1, False, False),
    ("implicit_3x3_stride2_row33", 1, 8, 12, 66, 36, 3, 3, (2, 2), (1, 1), (1, 1), 1, True, False),
    # A last sliver of 16 tiles or fewer runs on the 16-wide Winograd kernels, A slivers in pairs: an odd count of
    # them (36 and 60 output channels: 3 and 5 slivers of 12) leaves one for the single-sliver kernel. 7x7 at batch
    # 1 is one 16-tile sliver (cached filter); 14x12 is 42 tiles, a full sliver and a tail of 10.
    ("cachedwinograd_7x7_batch1_odd_slivers", 1, 24, 7, 7, 36, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
    ("winograd_narrow_tail_odd_slivers", 1, 16, 14, 12, 60, 3, 3, (1, 1), (1, 1), (1, 1), 1, True, False),
]


def conv_fixtures():
    g = torch.Generator().manual_seed(1234)
    blob = Blob()
    cases = []
    for (name, n, c, h, w, oc, kh, kw, stride, pad, dil, groups, has_bias, is_1d) in CONV_CASES:
        x = torch.randn(n, c, h, w, generator=g, requires_grad=True)
        wt = torch.randn(oc, c // groups, kh, kw, generator=g, requires_grad=True)
        b = torch.randn(oc, generator=g) if has_bias else None
        if is_1d:
            y = torch.nn.functional.conv1d(x.squeeze(2), wt.squeeze(2), b, stride[1], pad[1], dil[1], groups).unsqueeze(2)
        else:
            y = torch.nn.functional.conv2d(x, wt, b, stride, pad, dil, groups)
        gy = torch.randn(y.shape, generator=g)
        gx, gw = torch.autograd.grad(y, (x, wt), gy)
        gb = gy.sum(dim=(0, 2, 3))  # what autograd gives a bias, whether or not the case has one
        cases.append({
            "name": name,
            "batch": n, "inChannels": c, "inHeight": h, "inWidth": w, "outChannels": oc,
            "kernelHeight": kh, "kernelWidth": kw, "strideH": stride[0], "strideW": stride[1],
            "padH": pad[0], "padW": pad[1], "dilationH": dil[0], "dilationW": dil[1], "groups": groups,
            "outHeight": y.shape[2], "outWidth": y.shape[3],
            "input": blob.add(x), "weight": blob.add(wt),
            "bias": blob.add(b if b is not None else torch.zeros(0)),
            "output": blob.add(y), "gradOutput": blob.add(gy),
            "gradInput": blob.add(gx), "gradWeight": blob.add(gw), "gradBias": blob.add(gb),
        })
    blob.write(os.path.join(OUT, "conv2d.bin"))
    write_json(os.path.join(OUT, "conv2d.json"), {"generator": "tools/kernel_fixtures.py", "torch": torch.__version__, "cases": cases})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    conv_fixtures()


if __name__ == "__main__":
    main()
