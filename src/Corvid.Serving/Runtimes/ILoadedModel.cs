using Corvid.Serving.Tensors;

namespace Corvid.Serving.Runtimes;

/// <summary>One copy of a model's weights in memory, shared by all of its workers.</summary>
public interface ILoadedModel : IDisposable
{
    IReadOnlyList<TensorSpec> Inputs { get; }
    IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>
    /// An executor for one worker, computing with <paramref name="intraOpThreads"/> threads. Executors
    /// read the shared weights; they hold no copy of their own.
    /// </summary>
    IModelExecutor CreateExecutor(int intraOpThreads);
}
