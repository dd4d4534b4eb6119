#!/usr/bin/python3
"""Summarises a dotnet-trace speedscope file: where a benchmark's time goes, by method.

Usage:
  dotnet tool install --tool-path /tmp/dntools dotnet-trace
  flock /tmp/corvid-build.lock /tmp/dntools/dotnet-trace collect --format speedscope -o /tmp/r18.nettrace -- \\
      dotnet artifacts/bin/Corvid.Bench/release/Corvid.Bench.dll models --no-torch --filter "inference batch 8" \\
      --threads 1 --samples 5 --rounds 1
  /usr/bin/python3 bench/speedscope_top.py /tmp/r18.speedscope.json ResNet18.Forward

Only stacks that pass through a frame whose name contains ROOT (default: Timing.MedianSeconds, the timed
calls) are counted. Prints self time (the deepest managed frame; the CPU_TIME / UNMANAGED_CODE_TIME leaves
dotnet-trace adds are skipped) and inclusive time of Corvid.Tensors / Corvid.Nn methods, as shares.
"""
import collections
import json
import sys


def sampled_stacks(data):
    """Yields (stack, milliseconds) for every interval of a speedscope trace: the frame indices from the root down,
    without the CPU_TIME / UNMANAGED_CODE_TIME leaves dotnet-trace adds."""
    frames = data["shared"]["frames"]
    pseudo = {i for i, f in enumerate(frames) if f["name"] in ("CPU_TIME", "UNMANAGED_CODE_TIME")}
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if stack and last is not None:
                yield [f for f in stack if f not in pseudo], at - last
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                stack.pop()
            last = at


def main():
    path = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else "Timing.MedianSeconds"
    data = json.load(open(path))
    frames = data["shared"]["frames"]
    own, inclusive, total = collections.Counter(), collections.Counter(), 0.0
    for real, ms in sampled_stacks(data):
        if real and any(root in frames[f]["name"] for f in real):
            own[real[-1]] += ms
            for f in set(real):
                inclusive[f] += ms
            total += ms
    print(f"{total:.0f} ms sampled under {root}")
    print("self time:")
    for f, w in own.most_common(20):
        print(f"{100 * w / total:6.2f}%  {frames[f]['name'][:150]}")
    print("inclusive time, Corvid.Tensors and Corvid.Nn (above 1 %):")
    for f, w in inclusive.most_common():
        name = frames[f]["name"]
        if ("Corvid.Tensors" in name or "Corvid.Nn" in name) and w / total > 0.01:
            print(f"{100 * w / total:6.2f}%  {name[:150]}")


if __name__ == "__main__":
    main()
