using Corvid.Serving.Models;

namespace Corvid.Serving.Runtimes;

/// <summary>
/// Turns a model package into something that can run. One runtime per weights format: <c>onnx</c>
/// (ONNX Runtime) and <c>corvid</c> (Corvid's own engine, safetensors + a model definition).
/// The scheduler and the HTTP APIs only ever see <see cref="ILoadedModel"/> and <see cref="IModelExecutor"/>,
/// so a new runtime is one class registered in <see cref="ModelRuntimes"/>.
/// </summary>
public interface IModelRuntime
{
    /// <summary>The manifest's <c>runtime</c> value this runtime answers to.</summary>
    string Name { get; }

    /// <summary>Loads the weights once; every worker of the model version shares what this returns.</summary>
    ILoadedModel Load(ModelPackage package);
}
