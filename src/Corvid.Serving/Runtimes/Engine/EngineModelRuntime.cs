using Corvid.Serving.Engine;
using Corvid.Serving.Models;

namespace Corvid.Serving.Runtimes.Engine;

/// <summary>
/// The <c>corvid</c> runtime: a model definition (<see cref="ModelDefinition"/>, the manifest's <c>definition</c>)
/// built with Corvid's own engine and the safetensors file the manifest's <c>weights</c> names loaded into it.
/// </summary>
public sealed class EngineModelRuntime : IModelRuntime
{
    public string Name => "corvid";

    public ILoadedModel Load(ModelPackage package)
    {
        var name = package.Manifest.Name;
        if (package.DefinitionPath is not { } definitionPath)
        {
            throw new ModelLoadException($"model '{name}': runtime 'corvid' needs the manifest field 'definition' naming the model definition (JSON layers)");
        }
        if (!File.Exists(package.WeightsPath))
        {
            throw new ModelLoadException($"model '{name}': weights file '{package.WeightsPath}' does not exist");
        }
        return EngineLoadedModel.Load(name, ModelDefinition.Load(definitionPath), package.WeightsPath);
    }
}
