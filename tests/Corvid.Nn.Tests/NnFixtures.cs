using System.Collections.Concurrent;
using System.Text.Json;
using Corvid.Tensors;
using Corvid.Tensors.IO;

namespace Corvid.Nn.Tests;

/// <summary>The PyTorch reference files written by tools/nn_fixtures.py, loaded once per test run.</summary>
internal static class NnFixtures
{
    private static readonly ConcurrentDictionary<string, SafeTensors.Contents> Files = new();

    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    public static SafeTensors.Contents Load(string file) => Files.GetOrAdd(file, f => SafeTensors.Load(PathOf(f)));

    /// <summary>Case names of a safetensors fixture (its metadata keys), as xunit theory data.</summary>
    public static IEnumerable<object[]> Cases(string file) =>
        Load(file).Metadata.Keys.Order(StringComparer.Ordinal).Select(name => new object[] { name });

    public static JsonElement Meta(string file, string name) => JsonDocument.Parse(Load(file).Metadata[name]).RootElement.Clone();

    public static Tensor Get(string file, string key) =>
        Load(file).Tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"fixture {file} has no tensor '{key}'");

    public static Tensor? Find(string file, string key) => Load(file).Tensors.GetValueOrDefault(key);

    /// <summary>Every tensor under "<paramref name="prefix"/>." with the prefix removed (a state dict, a set of gradients).</summary>
    public static Dictionary<string, Tensor> WithPrefix(string file, string prefix) =>
        Load(file).Tensors.Where(kv => kv.Key.StartsWith(prefix + ".", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[(prefix.Length + 1)..], kv => kv.Value);

    public static JsonElement Json(string file) => JsonDocument.Parse(File.ReadAllText(PathOf(file))).RootElement.Clone();

    /// <summary>A copy that requires grad, so the fixture's own tensor never collects gradients.</summary>
    public static Tensor Leaf(Tensor t) => t.Clone().Detach().RequiresGrad_();
}
