using System.Text.Json.Nodes;
using Corvid.Serving.Engine;

namespace Corvid.Serving.Tests;

/// <summary>
/// The committed Fashion-MNIST model (models/fashion-mnist, written by <c>corvid train</c>), the 200-image test-set
/// sample and PyTorch's answers for it (tools/fashion_mnist_fixtures.py), as copied next to the test assembly.
/// </summary>
public static class FashionMnistFiles
{
    public static string ModelDirectory => Path.Combine(AppContext.BaseDirectory, "Models", "fashion-mnist");
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "fashion-mnist");
    public const string SampleSplit = "t10k-sample";

    private static readonly Lazy<JsonObject> LazyReference = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDirectory, "reference.json")))!.AsObject());

    /// <summary>PyTorch's logits, targets, accuracy and PNG answers for the sample.</summary>
    public static JsonObject Reference => LazyReference.Value;

    public static LabelledImages Sample() => LabelledImages.Load(FixtureDirectory, SampleSplit);

    public static byte[] Png(string name) => File.ReadAllBytes(Path.Combine(FixtureDirectory, name));

    public static float[] ReferenceLogits(int index) => Reference["logits"]![index]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();

    /// <summary>A copy of the model folder under <paramref name="store"/>, to serve or to break on purpose.</summary>
    public static string CopyModel(string store, string folderName = "fashion-mnist")
    {
        var target = Path.Combine(store, folderName);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(ModelDirectory)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }
}
