#!/usr/bin/python3
"""Checks that safetensors files written by Corvid load in Python and PyTorch with the same values.

The Corvid.Nn test `SafeTensorsInterchangeTests` writes, into its output folder
(artifacts/bin/Corvid.Nn.Tests/debug/interchange/):
  corvid_written.safetensors   the deterministic tensors below, written by Corvid's SafeTensors.Save;
  corvid_model.safetensors     the state dict of a small CNN (Conv2d, BatchNorm2d, ReLU, MaxPool2d,
                               Flatten, Linear) trained one step in Corvid, saved with Checkpoint.Save;
  corvid_model_io.safetensors  an input and the eval-mode output Corvid computed for it.

Run after the tests (numpy for the first check, Debian's python3-torch for the second):
    /usr/bin/python3 tools/check_safetensors_roundtrip.py artifacts/bin/Corvid.Nn.Tests/debug/interchange

It checks the tensors bit for bit, loads the model state into the same torch.nn architecture with
strict=True (so every name and shape must match PyTorch's), and compares torch's output with Corvid's.
tools/nn_fixtures.py imports deterministic_tensors() to write the Python-side file Corvid reads.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

DETERMINISTIC_METADATA = {"format": "pt", "source": "corvid-interchange"}


def deterministic_tensors():
    """Tensors Corvid's tests can rebuild exactly: special floats by bit pattern, int64 extremes, bool, scalar, empty."""
    special_bits = np.array([0x7FC00000, 0x7F800000, 0xFF800000, 0x80000000, 0x00000000, 0x00000001,
                             0x7F7FFFFF, 0x00800000, 0xBFC00000], dtype=np.uint32)
    return {
        "float.arange": (np.arange(24, dtype=np.float32) / np.float32(7)).reshape(2, 3, 4),
        "float.special": special_bits.view(np.float32),
        "float.scalar": np.array(3.25, dtype=np.float32),
        "float.empty": np.zeros((0, 3), dtype=np.float32),
        "long.values": np.array([-2**63, -1, 0, 1, 2**63 - 1, 1234567890123], dtype=np.int64).reshape(2, 3),
        "bool.mask": np.array([[True, False], [True, True]]),
        "layer.0.weight": ((np.arange(12, dtype=np.float32) % 5 - 2) * np.float32(0.25)).reshape(4, 3),
    }


def check_deterministic(path):
    tensors, metadata = safetensors_io.load(path)
    expected = deterministic_tensors()
    assert sorted(tensors) == sorted(expected), f"names differ: {sorted(tensors)} vs {sorted(expected)}"
    for name, want in expected.items():
        got = tensors[name]
        assert got.dtype == want.dtype, f"{name}: dtype {got.dtype}, expected {want.dtype}"
        assert got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}"
        assert got.tobytes() == want.tobytes(), f"{name}: bytes differ"
    assert metadata == DETERMINISTIC_METADATA, f"metadata {metadata}"
    print(f"ok: {path}: {len(tensors)} tensors bit-identical, metadata equal")


def check_model(folder):
    import torch
    import torch.nn as nn

    state, _ = safetensors_io.load(os.path.join(folder, "corvid_model.safetensors"))
    io, _ = safetensors_io.load(os.path.join(folder, "corvid_model_io.safetensors"))
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(io["input"])).numpy()
    error = np.abs(out - io["output"]).max()
    assert np.allclose(out, io["output"], rtol=1e-5, atol=1e-5), f"outputs differ by up to {error}"
    print(f"ok: corvid_model.safetensors loads into torch.nn ({len(state)} keys, strict); outputs agree (max |diff| {error:.2e})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    check_deterministic(os.path.join(folder, "corvid_written.safetensors"))
    check_model(folder)
