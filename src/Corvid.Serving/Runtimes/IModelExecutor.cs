using Corvid.Serving.Tensors;

namespace Corvid.Serving.Runtimes;

/// <summary>Runs one batch at a time for one worker. Inputs and outputs carry the batch as their first dimension.</summary>
public interface IModelExecutor : IDisposable
{
    IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs);
}
