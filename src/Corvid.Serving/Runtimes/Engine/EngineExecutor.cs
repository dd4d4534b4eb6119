using Corvid.Serving.Tensors;
using Corvid.Tensors;
using Corvid.Tensors.Autograd;
using Corvid.Tensors.Kernels;

namespace Corvid.Serving.Runtimes.Engine;

/// <summary>One worker's handle on the shared network: a batch in, the network's output out, no graph recorded.</summary>
internal sealed class EngineExecutor(EngineLoadedModel model, int intraOpThreads) : IModelExecutor
{
    private bool _disposed;

    public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var spec = model.Inputs[0];
        if (inputs.Count != 1 || inputs[0].Name != spec.Name)
        {
            throw new ArgumentException($"model takes one input '{spec.Name}', got {string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}");
        }
        var input = inputs[0];
        if (input.Data is not float[] data)
        {
            throw new ArgumentException($"input '{spec.Name}' is {input.DataType.ToV2Name()}, the model takes FP32");
        }
        if (input.Shape.Length != spec.Shape.Length || !input.Shape.AsSpan(1).SequenceEqual(spec.Shape.AsSpan(1)))
        {
            throw new ArgumentException($"input '{spec.Name}' has shape [{string.Join(',', input.Shape)}], the model takes {spec}");
        }
        using (Threads.Limit(intraOpThreads))
        using (GradMode.NoGrad())
        {
            var output = model.Network.Forward(Tensor.FromArray(data, input.Shape));
            return [NamedTensor.Float32(model.Definition.OutputName, output.Shape.ToArray(), output.ToArray())];
        }
    }

    public void Dispose() => _disposed = true;
}
