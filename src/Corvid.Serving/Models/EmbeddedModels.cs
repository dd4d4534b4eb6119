namespace Corvid.Serving.Models;

/// <summary>
/// The model <c>corvid serve</c> offers with nothing else installed: <c>resnet18</c>, built once from the
/// ResNet18 in the Microsoft.ML.DnnImageFeaturizer.ResNet18 NuGet package and kept as an ordinary model
/// folder in Corvid's cache (<c>$XDG_CACHE_HOME/corvid/models</c>, else <c>~/.cache/corvid/models</c>).
/// </summary>
public static class EmbeddedModels
{
    public const string ResNet18Name = "resnet18";
    // Bump when the graph recipe in ResNet18Featurizer changes, so old caches are not reused.
    private const string RecipeVersion = "v1";
    private const string PackageVersion = "0.23.1";

    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("CORVID_CACHE") is { Length: > 0 } explicitRoot
            ? Path.Combine(explicitRoot, "models")
            : Path.Combine(
                Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "corvid", "models");

    /// <summary>The resnet18 model folder, built on first use.</summary>
    public static ModelPackage ResNet18()
    {
        var directory = Path.Combine(CacheRoot, $"{ResNet18Name}-{RecipeVersion}");
        if (!File.Exists(Path.Combine(directory, ModelManifest.FileName)))
        {
            Materialize(directory);
        }
        return ModelPackage.FromDirectory(directory) with { Source = "embedded:" + ResNet18Name };
    }

    public static ModelManifest ResNet18Manifest() => new()
    {
        Name = ResNet18Name,
        Version = "1.0",
        Runtime = "onnx",
        Handler = "image-embedding",
        Weights = "model.onnx",
    };

    private static void Materialize(string directory)
    {
        var (resnet, preprocess) = FindPackageFiles();
        var parent = Path.GetDirectoryName(directory)!;
        Directory.CreateDirectory(parent);
        // Build in a temp folder beside the target, then rename: a reader never sees half a model.
        var temp = Path.Combine(parent, $".{Path.GetFileName(directory)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            ResNet18Featurizer.Write(ResNet18Featurizer.Build(resnet, preprocess), Path.Combine(temp, "model.onnx"));
            File.WriteAllText(Path.Combine(temp, ModelManifest.FileName), ResNet18Manifest().ToJson());
            try
            {
                Directory.Move(temp, directory);
            }
            catch (IOException) when (File.Exists(Path.Combine(directory, ModelManifest.FileName)))
            {
                // Another process built it first; theirs is identical.
            }
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static (string ResNet, string Preprocess) FindPackageFiles()
    {
        string[] roots =
        [
            Path.Combine(AppContext.BaseDirectory, "DnnImageModels"),
            Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } nuget ? nuget : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
                "microsoft.ml.dnnimagefeaturizer.resnet18", PackageVersion, "tools", "DnnImageModels"),
        ];
        foreach (var root in roots)
        {
            var resnet = Path.Combine(root, "ResNet18Onnx", "ResNet18.onnx");
            var preprocess = Path.Combine(root, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
            if (File.Exists(resnet) && File.Exists(preprocess)) return (resnet, preprocess);
        }
        throw new ModelLoadException(
            $"the default model needs ResNet18.onnx from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 {PackageVersion}; looked in {string.Join(" and ", roots)}");
    }
}
