#!/usr/bin/env bash
# Regenerates src/Corvid.Onnx/OnnxSubset.g.cs from onnx_subset.proto with the protoc that the
# Google.Protobuf.Tools NuGet package ships (restore any project once so the package is in the cache).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(grep -oP 'Google.Protobuf" Version="\K[^"]+' "$root/Directory.Packages.props")"
tools="${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.protobuf.tools/$version/tools"
if [ ! -d "$tools" ]; then
  dir="$(mktemp -d)"
  dotnet new classlib -o "$dir" >/dev/null
  (cd "$dir" && dotnet add package Google.Protobuf.Tools --version "$version" >/dev/null)
  rm -rf "$dir"
fi
protoc="$tools/linux_x64/protoc"
chmod +x "$protoc"
out="$root/src/Corvid.Onnx"
"$protoc" --proto_path="$out" --csharp_out="$out" --csharp_opt=file_extension=.g.cs "$out/onnx_subset.proto"
echo "wrote $out/OnnxSubset.g.cs"
