namespace Corvid.Serving.Models;

/// <summary>A model on disk: its manifest and the folder its files live in.</summary>
public sealed record ModelPackage(ModelManifest Manifest, string Directory)
{
    public string WeightsPath => Path.Combine(Directory, Manifest.Weights);

    /// <summary>Where it was registered from: the model store entry (TorchServe's modelUrl), or <c>embedded</c>.</summary>
    public string Source { get; init; } = Directory;

    /// <summary>Reads a model folder: <c>manifest.json</c> plus the files it names, all inside the folder.</summary>
    public static ModelPackage FromDirectory(string directory)
    {
        var root = Path.GetFullPath(directory);
        var manifestPath = Path.Combine(root, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new ModelLoadException($"model folder '{root}' has no {ModelManifest.FileName}");
        }
        var manifest = ModelManifest.Parse(File.ReadAllText(manifestPath), manifestPath);
        var package = new ModelPackage(manifest, root);
        package.RequireInside(manifest.Weights, "weights");
        if (!File.Exists(package.WeightsPath))
        {
            throw new ModelLoadException($"{manifestPath}: weights file '{manifest.Weights}' does not exist in '{root}'");
        }
        if (manifest.Definition is not null)
        {
            package.RequireInside(manifest.Definition, "definition");
            if (!File.Exists(Path.Combine(root, manifest.Definition)))
            {
                throw new ModelLoadException($"{manifestPath}: definition file '{manifest.Definition}' does not exist in '{root}'");
            }
        }
        if (manifest.Labels is not null)
        {
            package.RequireInside(manifest.Labels, "labels");
            if (!File.Exists(Path.Combine(root, manifest.Labels)))
            {
                throw new ModelLoadException($"{manifestPath}: labels file '{manifest.Labels}' does not exist in '{root}'");
            }
        }
        return package;
    }

    /// <summary>The model definition file (<c>corvid</c> runtime), or null when the manifest names none.</summary>
    public string? DefinitionPath => Manifest.Definition is null ? null : Path.Combine(Directory, Manifest.Definition);

    /// <summary>Labels by class index, or an empty list when the manifest names none.</summary>
    public IReadOnlyList<string> ReadLabels() =>
        Manifest.Labels is null ? [] : LabelFile.Read(Path.Combine(Directory, Manifest.Labels));

    private void RequireInside(string relative, string field)
    {
        var full = Path.GetFullPath(Path.Combine(Directory, relative));
        if (!full.StartsWith(Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ModelLoadException($"model '{Manifest.Name}': field '{field}' is '{relative}', which points outside the model folder");
        }
    }
}
