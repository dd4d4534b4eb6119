#!/usr/bin/python3
"""Exports the ResNet18.onnx of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 to a safetensors
file with torchvision's parameter names, for bench/torch_models.py's plain-torch ResNet18.

Usage: /usr/bin/python3 tools/resnet18_onnx_to_safetensors.py RESNET18.onnx OUT.safetensors

Debian has neither the `onnx` nor the protobuf Python package, so this reads the protobuf wire format
itself (the few ModelProto fields it needs). It maps names the way Corvid.Vision's ResNet18Onnx does,
independently: by walking the graph along torchvision's forward pass (the file's own names,
Parameter91 and so on, say nothing). The packaged network has [2, 2, 2, 3] blocks per stage
(torchvision's resnet18 has [2, 2, 2, 2]); the walk finds them. Batch norm is not folded in this file: each Conv is followed by
a BatchNormalization whose scale, B, mean and var become bnX.weight, bias, running_mean, running_var.
"""
import struct
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import safetensors_io  # noqa: E402


def _varint(b, i):
    value = shift = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(b):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(b, i)
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        elif wire == 2:
            n, i = _varint(b, i)
            value, i = b[i:i + n], i + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _ints(wire, value):
    if wire == 0:
        return [value]
    out, i, raw = [], 0, bytes(value)
    while i < len(raw):
        v, i = _varint(raw, i)
        out.append(v)
    return out


def read_graph(path):
    """Returns (nodes, initializers, input names) from ModelProto.graph (field 7)."""
    data = memoryview(open(path, "rb").read())
    graph = next(v for n, _, v in _fields(data) if n == 7)
    nodes, inits, inputs = [], {}, []
    for number, _, value in _fields(graph):
        if number == 1:  # NodeProto: input 1, output 2, name 3, op_type 4, attribute 5
            node = {"input": [], "output": [], "name": "", "attr": {}}
            for n, w, v in _fields(value):
                if n in (1, 2):
                    node["input" if n == 1 else "output"].append(bytes(v).decode())
                elif n == 3:
                    node["name"] = bytes(v).decode()
                elif n == 4:
                    node["op"] = bytes(v).decode()
                elif n == 5:  # AttributeProto: name 1, f 2, i 3, ints 8
                    attr = {}
                    for an, aw, av in _fields(v):
                        if an == 1:
                            attr["name"] = bytes(av).decode()
                        elif an == 2:
                            attr["value"] = struct.unpack("<f", av)[0]
                        elif an == 3:
                            attr["value"] = av
                        elif an == 8:
                            attr.setdefault("value", []).extend(_ints(aw, av))
                    node["attr"][attr["name"]] = attr.get("value")
            nodes.append(node)
        elif number == 5:  # TensorProto: dims 1, data_type 2, float_data 4, name 8, raw_data 9
            dims, name, floats = [], None, None
            for n, w, v in _fields(value):
                if n == 1:
                    dims.extend(_ints(w, v))
                elif n == 2 and v != 1:
                    raise ValueError(f"initializer has element type {v}, expected float32")
                elif n in (4, 9):
                    floats = np.frombuffer(bytes(v), dtype="<f4")
                elif n == 8:
                    name = bytes(v).decode()
            inits[name] = floats.reshape(dims).astype(np.float32)
        elif number == 11:  # ValueInfoProto graph input: name 1
            inputs.append(next(bytes(v).decode() for n, _, v in _fields(value) if n == 1))
    return nodes, inits, [i for i in inputs if i not in inits]


def torchvision_state_dict(path):
    nodes, inits, inputs = read_graph(path)
    consumers = {}
    for node in nodes:
        for name in node["input"]:
            consumers.setdefault(name, []).append(node)

    def single(value, op):
        found = consumers.get(value, [])
        if len(found) != 1 or found[0]["op"] != op:
            raise ValueError(f"expected {value!r} to feed one {op}, it feeds {[n['op'] for n in found]}")
        return found[0]

    state = {}

    def conv_bn(conv, conv_name, bn_name):
        state[conv_name + ".weight"] = inits[conv["input"][1]]
        bn = single(conv["output"][0], "BatchNormalization")
        for key, value in zip(("weight", "bias", "running_mean", "running_var"), bn["input"][1:5]):
            state[f"{bn_name}.{key}"] = inits[value]
        return bn["output"][0]

    (x,) = inputs
    x = conv_bn(single(x, "Conv"), "conv1", "bn1")
    x = single(single(x, "Relu")["output"][0], "MaxPool")["output"][0]
    # Residual blocks until the global pool; a block with a strided shortcut starts the next stage.
    blocks = [0]
    while not any(n["op"] in ("AveragePool", "GlobalAveragePool") for n in consumers[x]):
        convs = [n for n in consumers[x] if n["op"] == "Conv"]
        if len(convs) == 2 and blocks[-1] > 0:
            blocks.append(0)
        prefix = f"layer{len(blocks)}.{blocks[-1]}"

        def is_main(conv):
            bn = single(conv["output"][0], "BatchNormalization")
            return any(n["op"] == "Relu" for n in consumers[bn["output"][0]])
        (main,) = [c for c in convs if is_main(c)]
        shortcut = [c for c in convs if not is_main(c)]
        y = conv_bn(main, prefix + ".conv1", prefix + ".bn1")
        y = single(y, "Relu")["output"][0]
        y = conv_bn(single(y, "Conv"), prefix + ".conv2", prefix + ".bn2")
        identity = conv_bn(shortcut[0], prefix + ".downsample.0", prefix + ".downsample.1") if shortcut else x
        add = single(y, "Add")
        assert identity in add["input"], f"{prefix}: the Add does not take the shortcut {identity!r}"
        x = single(add["output"][0], "Relu")["output"][0]
        blocks[-1] += 1
    assert len(blocks) == 4, f"expected 4 stages of residual blocks, found {blocks}"
    return state


def main():
    state = torchvision_state_dict(sys.argv[1])
    safetensors_io.save(sys.argv[2], state, metadata={"source": "ResNet18.onnx (Microsoft.ML.DnnImageFeaturizer.ResNet18)"})
    print(f"wrote {len(state)} tensors to {sys.argv[2]}", file=sys.stderr)


if __name__ == "__main__":
    main()
