using System.Text.Json.Nodes;

namespace Corvid.Bench;

/// <summary>
/// One benchmarked shape: how to run it in Corvid, and the spec bench/torch_kernels.py reads to run
/// the same thing in PyTorch. <see cref="Setup"/> allocates the operands and returns the timed call.
/// </summary>
public sealed record BenchCase(string Group, string Name, double Flops, JsonObject TorchSpec, Func<Action> Setup);
