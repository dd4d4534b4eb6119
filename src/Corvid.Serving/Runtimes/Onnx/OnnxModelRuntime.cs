using Corvid.Serving.Models;

namespace Corvid.Serving.Runtimes.Onnx;

/// <summary>The <c>onnx</c> runtime: ONNX models through Microsoft.ML.OnnxRuntime on the CPU.</summary>
public sealed class OnnxModelRuntime : IModelRuntime
{
    public string Name => "onnx";

    public ILoadedModel Load(ModelPackage package)
    {
        var path = package.WeightsPath;
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"model '{package.Manifest.Name}': weights file '{path}' does not exist");
        }
        return new OnnxLoadedModel(package.Manifest.Name, path);
    }
}
