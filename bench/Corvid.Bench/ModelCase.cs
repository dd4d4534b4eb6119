using System.Text.Json.Nodes;

namespace Corvid.Bench;

/// <summary>
/// One benchmarked model workload: how to run a call of it in Corvid and (for ResNet18) in ONNX Runtime,
/// and the spec bench/torch_models.py reads to run the same thing in PyTorch. A call processes
/// <see cref="Items"/> of <see cref="Unit"/> (images, samples, tasks, steps), so rates compare directly.
/// </summary>
public sealed record ModelCase(string Group, string Name, double Items, string Unit, JsonObject TorchSpec,
    Func<Action> Setup, Func<int, Action>? OnnxRuntimeSetup = null)
{
    /// <summary>The same case in the shape TorchRunner takes.</summary>
    public BenchCase ForTorch()
    {
        var spec = (JsonObject)TorchSpec.DeepClone();
        spec["name"] = Name;
        return new BenchCase(Group, Name, 0, spec, Setup);
    }
}
